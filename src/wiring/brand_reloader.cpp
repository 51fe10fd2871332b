#include "otpgate/wiring/brand_reloader.hpp"

#include "otpgate/metrics/otpgate_metrics.hpp"
#include "otpgate/util/log.hpp"
#include "otpgate/wiring/operators_config.hpp"

#include <algorithm>
#include <csignal>
#include <exception>
#include <utility>

namespace otpgate {

std::vector<std::string> brand_ids(const BrandCatalog& brands) {
  std::vector<std::string> ids;
  for (const auto& [id, b] : brands) ids.push_back(id);
  return ids;
}

void reload_brands(const AppConfig& cfg, const gateways::GatewayCatalog& catalog,
                   const std::vector<std::string>& instantiated, BrandRegistry& registry) {
  try {
    BrandCatalog next = load_brands(cfg.brands_dir, cfg.templates_dir, &catalog);
    check_signal_operators(next, cfg.operators, cfg.operators_file);
    for (const auto& [id, b] : next)
      for (const auto& g : b.gateways)
        if (std::find(instantiated.begin(), instantiated.end(), g) == instantiated.end())
          throw ConfigError(cfg.brands_dir + "/" + id + "/brand.json: field /gateways: " + g +
                            " was not in use at start-up; restart otpgate to add it");
    const std::size_t count = next.size();
    metrics::process().allow_brands(brand_ids(next));
    for (const auto& skipped : registry.replace_files(std::move(next)))
      log::write(log::level::warn, "stored template not used, the file template applies",
                 {{"template", skipped}});
    log::write(log::level::info, "brands reloaded", {{"brands", count}});
  } catch (const std::exception& e) {
    log::write(log::level::error, "brand reload refused, the previous brands stay in effect",
               {{"reason", e.what()}});
  }
}

BrandReloader::BrandReloader(boost::asio::io_context& ioc, const AppConfig& cfg,
                             const gateways::GatewayCatalog& catalog,
                             const std::vector<std::string>& instantiated, BrandRegistry& registry)
    : cfg_(cfg),
      catalog_(catalog),
      instantiated_(instantiated),
      registry_(registry),
      hangups_(ioc, SIGHUP) {
  wait();
}

BrandReloader::~BrandReloader() {
  // No new reload once the owner is going away; then the one running, if any, finishes.
  boost::system::error_code ignored;
  hangups_.cancel(ignored);
  if (thread_.joinable()) thread_.join();
}

void BrandReloader::wait() {
  hangups_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    on_hangup();
    wait();
  });
}

void BrandReloader::on_hangup() {
  if (reloading_.exchange(true)) {
    log::write(log::level::warn, "brand reload already running, SIGHUP ignored");
    return;
  }
  if (thread_.joinable()) thread_.join();
  thread_ = std::thread([this] {
    reload_brands(cfg_, catalog_, instantiated_, registry_);
    reloading_ = false;
  });
}

}  // namespace otpgate

// SIGHUP reloads the brand files: a valid set replaces the brands in effect (requests already
// running keep the snapshot they started with; connections stay); an invalid one is refused
// with the reason, and the old brands stay.
#pragma once

#include "otpgate/app/brand_registry.hpp"
#include "otpgate/gateways/registry.hpp"
#include "otpgate/wiring/config.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace otpgate {

// The ids of a catalog's brands (the brands metrics may label series with).
std::vector<std::string> brand_ids(const BrandCatalog& brands);

// Reads the brand files and templates again and replaces the files in the registry, or logs
// why not. Every gateway a brand names must be one instantiated at start-up.
void reload_brands(const AppConfig& cfg, const gateways::GatewayCatalog& catalog,
                   const std::vector<std::string>& instantiated, BrandRegistry& registry);

// Waits for SIGHUP on an io_context and runs reload_brands on a thread of its own (it reads
// files and lints templates: never on an io thread), one reload at a time. Everything it is
// given must outlive it; destroying it waits for a reload in progress.
class BrandReloader {
 public:
  BrandReloader(boost::asio::io_context& ioc, const AppConfig& cfg,
                const gateways::GatewayCatalog& catalog,
                const std::vector<std::string>& instantiated, BrandRegistry& registry);
  ~BrandReloader();
  BrandReloader(const BrandReloader&) = delete;
  BrandReloader& operator=(const BrandReloader&) = delete;

 private:
  void wait();
  void on_hangup();

  const AppConfig& cfg_;
  const gateways::GatewayCatalog& catalog_;
  const std::vector<std::string>& instantiated_;
  BrandRegistry& registry_;
  std::atomic<bool> reloading_{false};
  std::thread thread_;
  boost::asio::signal_set hangups_;
};

}  // namespace otpgate

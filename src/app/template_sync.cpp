#include "otpgate/app/template_sync.hpp"

#include "otpgate/util/log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

namespace otpgate {

TemplateSync::TemplateSync(boost::asio::io_context& ioc, TemplateStore& store,
                           BrandRegistry& registry, std::chrono::milliseconds period)
    : timer_(ioc), store_(store), registry_(registry), period_(period) {}

void TemplateSync::start() {
  boost::asio::co_spawn(timer_.get_executor(), run(), boost::asio::detached);
}

void TemplateSync::stop() {
  stopped_ = true;
  timer_.cancel();
}

task<void> TemplateSync::run() {
  while (!stopped_) {
    try {
      co_await pass();
    } catch (const std::exception& e) {
      // Never silently: a dead poller would leave this instance on old templates for good.
      log::write(log::level::error, "template sync pass failed", {{"error", e.what()}});
    }
    if (stopped_) break;
    timer_.expires_after(period_);
    boost::system::error_code ec;
    co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
}

task<void> TemplateSync::pass() {
  const std::vector<std::string> brands = registry_.ids();
  for (const std::string& brand : brands) {
    // A brand whose keys fail (Redis away, a key of the wrong type) is skipped for this pass;
    // the others still sync.
    auto rev = co_await store_.revision(brand);
    if (!rev) continue;
    // Compared with what is in effect (which a save on this instance may have moved), not
    // with what this poller saw last: a counter reset to an earlier value must still reload.
    if (registry_.revision(brand) == rev.value()) continue;
    auto stored = co_await store_.all(brand);
    if (!stored) continue;
    LocaleOverrides overrides;
    for (auto& [locale, t] : stored.value().locales)
      if (t.text) overrides.emplace(locale, TemplateOverride{t.version, std::move(*t.text)});
    const std::int64_t revision = stored.value().revision;
    // Authoritative: the set was read at once, and a counter that went backwards (a restored
    // Redis) is followed rather than ignored.
    const auto skipped = registry_.replace_overrides(brand, revision, std::move(overrides), true);
    for (const auto& s : skipped)
      log::write(log::level::warn, "stored template not used, the file template applies",
                 {{"template", s}});
  }
}

}  // namespace otpgate

#include "otpgate/app/alert_monitor.hpp"

#include "otpgate/core/analytics_query.hpp"
#include "otpgate/util/log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace otpgate {

namespace an = analytics;
using json = nlohmann::json;

namespace {

// The indicators an alert watches (the rest are activity, not fraud).
constexpr std::array<std::string_view, 8> watched = {
    "wrong_codes",       "rate_limited",    "prefix_blocked", "locked",
    "refused_line_type", "refused_country", "send_failures",  "undelivered"};

constexpr int webhook_attempts = 5;
constexpr std::chrono::milliseconds webhook_first_backoff{1'000};

Sample sample_of(const an::Counts& c, std::string_view indicator) {
  return Sample{.count = an::count_of(c, "e:" + std::string(indicator)),
                .started = an::count_of(c, "c:started")};
}

std::optional<double> conversion_of(const an::Counts& c) {
  return an::ratio(an::count_of(c, "c:approved"), an::count_of(c, "c:started"));
}

Alert alert_of(std::string id, std::string indicator, std::string prefix, const Judgement& j,
               std::int64_t count, const AlertPolicy& p, std::int64_t now) {
  return Alert{.id = std::move(id),
               .indicator = std::move(indicator),
               .prefix = std::move(prefix),
               .opened_ms = now,
               .updated_ms = now,
               .count = count,
               .value = j.value,
               .reference = j.reference,
               .factor = p.factor};
}

}  // namespace

json alert_json(const Alert& a) {
  return {{"id", a.id},
          {"indicator", a.indicator},
          {"prefix", a.prefix.empty() ? json(nullptr) : json(a.prefix)},
          {"state", a.closed_ms > 0 ? "closed" : "open"},
          {"opened_at", an::format_rfc3339(a.opened_ms)},
          {"updated_at", an::format_rfc3339(a.updated_ms)},
          {"closed_at", a.closed_ms > 0 ? json(an::format_rfc3339(a.closed_ms)) : json(nullptr)},
          {"count", a.count},
          {"value", a.value},
          {"reference", a.reference},
          {"factor", a.factor}};
}

std::string webhook_signature(const Signer& signer, std::string_view secret,
                              std::string_view timestamp, std::string_view body) {
  const std::string signed_text = std::string(timestamp) + "." + std::string(body);
  return signer.hmac_sha256_hex(secret, signed_text);
}

std::map<std::string, Alert> judge_brand(const AlertPolicy& p, const AlertInputs& in,
                                         const std::set<std::string>& open, std::int64_t now) {
  std::map<std::string, Alert> out;
  for (std::string_view name : watched) {
    const std::string id(name);
    const Sample mine = sample_of(in.window, name);
    const Judgement j = judge_rate(mine, sample_of(in.baseline, name), sample_of(in.rest, name), p,
                                   open.count(id) > 0);
    if (j.anomalous) out.emplace(id, alert_of(id, id, "", j, mine.count, p, now));
  }
  // The pumping signature, per destination prefix.
  const auto own_conv = conversion_of(in.baseline);
  const auto market_conv = conversion_of(in.rest);
  std::optional<double> reference;
  if (own_conv || market_conv) reference = std::max(own_conv.value_or(0), market_conv.value_or(0));
  const an::Breakdown base = an::breakdown(in.baseline, "px");
  for (const auto& [prefix, counts] : an::breakdown(in.converted_window, "px")) {
    const auto get = [](const std::map<std::string, std::int64_t>& m, const char* k) {
      const auto it = m.find(k);
      return it == m.end() ? std::int64_t{0} : it->second;
    };
    const std::int64_t starts = get(counts, "started");
    const auto b = base.find(prefix);
    const double usual = b == base.end() ? 0.0
                                         : static_cast<double>(get(b->second, "started")) /
                                               std::max(1, in.baseline_days);
    const std::string id = "pumping:" + prefix;
    const Judgement j =
        judge_prefix(starts, get(counts, "approved"), usual, reference, p, open.count(id) > 0);
    if (j.anomalous) out.emplace(id, alert_of(id, "pumping", prefix, j, starts, p, now));
  }
  return out;
}

void AlertMonitor::start() {
  boost::asio::co_spawn(timer_.get_executor(), run(), boost::asio::detached);
}

void AlertMonitor::stop() {
  stopped_ = true;
  timer_.cancel();
}

task<void> AlertMonitor::run() {
  while (!stopped_) {
    try {
      co_await pass();
    } catch (const std::exception& e) {
      log::write(log::level::error, "alert evaluation failed", {{"error", e.what()}});
    }
    if (stopped_) break;
    timer_.expires_after(d_.period);
    boost::system::error_code ec;
    co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
}

task<void> AlertMonitor::pass() {
  const auto brands = d_.brands.current();  // kept for the pass
  // Each brand's totals over a window, read once per pass and window length (the rest of the
  // market of every brand evaluated with that window).
  std::map<int, std::map<std::string, an::Counts>> windows;
  for (const auto& [id, brand] : *brands) {
    if (brand.alerts.enabled) {
      const std::string name = id;  // a named local: no temporaries in a co_await (g++ 12)
      // A little less than the period: the next pass, here or on another instance, may take it.
      auto leased = co_await d_.alerts.take_lease(name, d_.period.count() * 9 / 10);
      if (leased && leased.value()) {
        const int minutes = brand.alerts.window_minutes;
        if (!windows.count(minutes)) {
          auto totals = co_await window_totals(*brands, minutes);
          if (!totals) continue;
          windows[minutes] = std::move(totals.value());
        }
        an::Counts rest;
        for (const auto& [other, counts] : windows[minutes])
          if (other != id) an::add_counts(rest, counts);
        co_await evaluate(brand, rest);
      }
    }
    if (d_.on_open_count) {
      const std::string name = id;
      auto open = co_await d_.alerts.open_alerts(name);
      if (open) d_.on_open_count(id, open.value().size());
    }
  }
}

std::vector<an::Tile> AlertMonitor::window_of(int minutes) const {
  std::vector<an::Tile> window;
  const std::int64_t last = an::bucket_floor(d_.clock.now_ms(), an::Granularity::minute);
  for (int i = minutes - 1; i >= 0; --i)
    window.push_back(an::Tile{an::Granularity::minute, last - i * 60'000LL});
  return window;
}

task<result<std::map<std::string, an::Counts>>> AlertMonitor::window_totals(
    const BrandCatalog& brands, int minutes) {
  std::map<std::string, an::Counts> out;
  const std::vector<an::Tile> window = window_of(minutes);
  for (const auto& [id, b] : brands) {
    const std::string name = id;
    auto read = co_await d_.stats.read(name, window, an::total_fields());
    if (!read) co_return read.error();
    for (const auto& c : read.value()) an::add_counts(out[id], c);
  }
  co_return out;
}

task<void> AlertMonitor::evaluate(const Brand& brand, const an::Counts& rest) {
  const AlertPolicy& p = brand.alerts;
  const std::int64_t now = d_.clock.now_ms();
  const std::string id = brand.id.str();
  const std::vector<an::Tile> window = window_of(p.window_minutes);
  std::vector<an::Tile> baseline;
  for (int d = 1; d <= p.baseline_days; ++d)
    baseline.push_back(an::Tile{an::Granularity::hour,
                                an::bucket_floor(now - d * 86'400'000LL, an::Granularity::hour)});
  const std::vector<std::string> all_fields;
  auto mine = co_await d_.stats.read(id, window, all_fields);
  auto base = co_await d_.stats.read(id, baseline, all_fields);
  auto open = co_await d_.alerts.open_alerts(id);
  if (!mine || !base || !open) co_return;
  AlertInputs in{.rest = rest, .baseline_days = p.baseline_days};
  for (std::size_t i = 0; i < mine.value().size(); ++i) {
    an::add_counts(in.window, mine.value()[i]);
    // Codes sent this minute have had no time to be typed: conversion is judged without them
    // (unless the window is that one minute).
    if (i + 1 < mine.value().size() || mine.value().size() == 1)
      an::add_counts(in.converted_window, mine.value()[i]);
  }
  for (const auto& c : base.value()) an::add_counts(in.baseline, c);
  std::set<std::string> open_ids;
  for (const auto& a : open.value()) open_ids.insert(a.id);
  const auto judged = judge_brand(p, in, open_ids, now);
  co_await apply(brand, open.value(), judged, now);
}

task<void> AlertMonitor::apply(const Brand& brand, const std::vector<Alert>& open,
                               const std::map<std::string, Alert>& judged, std::int64_t now) {
  const std::string id = brand.id.str();
  for (Alert a : open) {
    const auto still = judged.find(a.id);
    if (still == judged.end()) {
      a.closed_ms = now;
      auto closed = co_await d_.alerts.close(id, a);
      if (closed) {
        emit(id, a, false);
        notify(brand, a, false);
      }
      continue;
    }
    Alert updated = still->second;
    updated.opened_ms = a.opened_ms;
    co_await d_.alerts.put_open(id, updated);
  }
  for (const auto& [alert_id, a] : judged) {
    const bool known =
        std::any_of(open.begin(), open.end(), [&](const Alert& o) { return o.id == alert_id; });
    if (known) continue;
    auto stored = co_await d_.alerts.put_open(id, a);
    if (!stored) continue;
    log::write(log::level::warn, "analytics alert opened",
               {{"brand", id}, {"alert", a.id}, {"value", a.value}, {"reference", a.reference}});
    emit(id, a, true);
    notify(brand, a, true);
  }
}

void AlertMonitor::emit(const std::string& brand, const Alert& a, bool opened) {
  d_.events.publish(Event{.type = opened ? EventType::anomaly_opened : EventType::anomaly_closed,
                          .brand = brand,
                          .at_ms = d_.clock.now_ms(),
                          .prefix = a.prefix,
                          .reason = a.indicator});
}

void AlertMonitor::notify(const Brand& brand, const Alert& a, bool opened) {
  if (brand.alerts.webhook_url.empty()) return;
  const std::string secret = d_.env ? d_.env(brand.alerts.webhook_secret_env) : std::string();
  if (secret.empty()) {
    log::write(log::level::error, "alert webhook not sent: its secret variable is not set",
               {{"brand", brand.id.str()}, {"variable", brand.alerts.webhook_secret_env}});
    return;
  }
  const json payload = {{"type", opened ? "alert.opened" : "alert.closed"},
                        {"brand", brand.id.str()},
                        {"alert", alert_json(a)}};
  HttpRequest req{.url = brand.alerts.webhook_url};
  req.body = payload.dump();
  const std::string timestamp = std::to_string(d_.clock.now_ms() / 1000);
  req.headers = {{"Content-Type", "application/json"},
                 {"X-Otpgate-Timestamp", timestamp},
                 {"X-Otpgate-Signature",
                  "sha256=" + webhook_signature(d_.signer, secret, timestamp, req.body)}};
  boost::asio::co_spawn(
      d_.ioc,
      [&http = d_.http, &ioc = d_.ioc, req = std::move(req),
       brand_id = brand.id.str()]() -> task<void> {
        boost::asio::steady_timer wait(ioc);
        auto backoff = webhook_first_backoff;
        for (int attempt = 1; attempt <= webhook_attempts; ++attempt) {
          const HttpTimeouts timeouts{};
          auto r = co_await http.perform(req, timeouts);
          const int status = r ? r.value().status : 0;
          if (status >= 200 && status < 300) co_return;
          // A 4xx other than 408/429 will not change on a retry.
          if (status >= 400 && status < 500 && status != 408 && status != 429) break;
          if (attempt == webhook_attempts) break;
          wait.expires_after(backoff);
          boost::system::error_code ec;
          co_await wait.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
          backoff *= 2;
        }
        log::write(log::level::warn, "alert webhook not delivered", {{"brand", brand_id}});
      },
      boost::asio::detached);
}

}  // namespace otpgate

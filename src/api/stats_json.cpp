// The analytics answers as JSON and CSV (see docs/analytics.md for every field).
#include "otpgate/api/router.hpp"
#include "otpgate/api/stats_api.hpp"
#include "otpgate/app/alert_monitor.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <optional>
#include <sstream>

namespace otpgate::api {
namespace {

using json = nlohmann::json;
namespace an = analytics;

json number_or_null(const std::optional<double>& v) {
  return v ? json(*v) : json(nullptr);
}

json funnel_json(const an::Funnel& f) {
  return {{"started", f.started},         {"sent", f.sent},       {"delivered", f.delivered},
          {"approved", f.approved},       {"failed", f.failed},   {"cancelled", f.cancelled},
          {"send_failed", f.send_failed}, {"expired", f.expired}, {"pending", f.pending},
          {"abandoned", f.abandoned()}};
}

json rates_json(const an::Funnel& f) {
  const an::Rates r = an::rates_of(f);
  return {{"conversion", number_or_null(r.conversion)},
          {"delivery", number_or_null(r.delivery)},
          {"abandonment", number_or_null(r.abandonment)},
          {"failure", number_or_null(r.failure)},
          {"send_failure", number_or_null(r.send_failure)}};
}

json histogram_json(const an::Histogram& h) {
  json buckets = json::array();
  for (const auto& [label, n] : h.buckets)
    buckets.push_back(
        {{"le_seconds", label == "inf" ? json(nullptr) : json(std::stoi(label))}, {"count", n}});
  return {{"buckets", buckets},
          {"count", h.total},
          {"p50_seconds", number_or_null(h.p50)},
          {"p90_seconds", number_or_null(h.p90)}};
}

json per_approval_json(const an::Counts& c, std::string_view which) {
  json counts = json::object();
  std::int64_t n = 0, sum = 0;
  for (const auto& [value, count] : an::per_approval(c, which)) {
    counts[std::to_string(value)] = count;
    n += count;
    sum += static_cast<std::int64_t>(value) * count;
  }
  return {{"counts", counts}, {"mean", number_or_null(an::ratio(sum, n))}};
}

// The market as a brand sees it: rates only, rounded (to 0.1 %, 1 per 1,000, 0.1 s), and only
// while the other brands together started at least market_min_other_starts verifications in the
// range; otherwise null. Exact rates over few verifications would let a brand's analyst solve
// for the other brands' volumes (a rate is a fraction whose denominator they could recover).
constexpr std::int64_t market_min_other_starts = 100;

std::optional<double> rounded(const std::optional<double>& v, double step) {
  if (!v) return v;
  return std::round(*v / step) * step;
}

struct MarketView {
  const Figures* market = nullptr;  // nullptr: not shown
  const Figures* rest = nullptr;    // a brand's view: the other brands (gates per-check rates)
  bool exact = false;               // an all-brands view (/v1/stats): unrounded
  std::optional<double> rate(const std::optional<double>& v) const {
    return exact ? v : rounded(v, 0.001);
  }
  std::optional<double> per_1000(std::int64_t count) const {
    const auto v = an::per_1000(count, market->funnel.started);
    return exact ? v : rounded(v, 1.0);
  }
  // The market's `name` per 1,000 of its `checks`. A brand sees it only while the other brands
  // made at least market_min_other_starts such checks (as for starts: their volumes stay hidden).
  std::optional<double> per_1000_checked(std::string_view name, std::string_view checks) const {
    if (market == nullptr) return std::nullopt;
    if (!exact && (rest == nullptr || indicator(rest->totals, checks) < market_min_other_starts))
      return std::nullopt;
    const auto v = an::per_1000(indicator(market->totals, name), indicator(market->totals, checks));
    return exact ? v : rounded(v, 1.0);
  }
  static std::int64_t indicator(const an::Counts& c, std::string_view name) {
    return an::count_of(c, "e:" + std::string(name));
  }
};

// One indicator: the brand's count and rate per 1,000 starts, the market's rate; a network
// signal's indicator also per 1,000 of the checks it is a share of (core/analytics checks_of).
json indicator_json(const Figures& own, std::string_view name, std::int64_t count,
                    const std::optional<MarketView>& market) {
  json entry = {{"count", count},
                {"per_1000", number_or_null(an::per_1000(count, own.funnel.started))}};
  const bool shown = market && market->market;
  if (market)
    entry["market_per_1000"] =
        shown
            ? number_or_null(market->per_1000(MarketView::indicator(market->market->totals, name)))
            : json(nullptr);
  if (const auto checks = an::checks_of(name)) {
    entry["per_1000_checked"] =
        number_or_null(an::per_1000(count, MarketView::indicator(own.totals, *checks)));
    if (market)
      entry["market_per_1000_checked"] = number_or_null(market->per_1000_checked(name, *checks));
  }
  return entry;
}

// Each indicator, and rate_limited by kind.
json fraud_json(const Figures& own, const std::optional<MarketView>& market) {
  json out = json::object();
  for (const auto& [name, count] : an::indicator_counts(own.totals))
    out[name] = indicator_json(own, name, count, market);
  json kinds = json::object();
  const bool shown = market && market->market;
  const auto market_kinds =
      shown ? an::limit_counts(market->market->totals) : std::map<std::string, std::int64_t>();
  for (const auto& [kind, count] : an::limit_counts(own.totals)) {
    json entry = {{"count", count},
                  {"per_1000", number_or_null(an::per_1000(count, own.funnel.started))}};
    if (market)
      entry["market_per_1000"] =
          shown ? number_or_null(market->per_1000(market_kinds.at(kind))) : json(nullptr);
    kinds[kind] = entry;
  }
  out["rate_limited_by_kind"] = kinds;
  return out;
}

json market_rates_json(const an::Funnel& f, const MarketView& view) {
  const an::Rates r = an::rates_of(f);
  return {{"conversion", number_or_null(view.rate(r.conversion))},
          {"delivery", number_or_null(view.rate(r.delivery))},
          {"abandonment", number_or_null(view.rate(r.abandonment))},
          {"failure", number_or_null(view.rate(r.failure))},
          {"send_failure", number_or_null(view.rate(r.send_failure))}};
}

std::int64_t outcome(const std::map<std::string, std::int64_t>& m, std::string_view name) {
  const auto it = m.find(std::string(name));
  return it == m.end() ? 0 : it->second;
}

// One row per value of a dimension: its outcome counts, conversion and delivery rate.
json breakdown_json(const an::Counts& c, std::string_view dim, const char* label) {
  json rows = json::array();
  for (const auto& [value, counts] : an::breakdown(c, dim)) {
    json row = {{label, value}};
    for (std::string_view o : an::stored_outcomes) row[std::string(o)] = outcome(counts, o);
    // A gateway has no starts (it is chosen when sending): its conversion is per send.
    const std::int64_t base = dim == "gw" ? outcome(counts, "sent") : outcome(counts, "started");
    row["conversion"] = number_or_null(an::ratio(outcome(counts, "approved"), base));
    row["delivery"] =
        number_or_null(an::ratio(outcome(counts, "delivered"), outcome(counts, "sent")));
    rows.push_back(std::move(row));
  }
  return rows;
}

json latency_json(const an::Counts& c) {
  json out = json::array();
  for (const auto& gw : an::latency_gateways(c)) {
    json h = histogram_json(an::delivery_latency(c, gw));
    h["gateway"] = gw;
    out.push_back(std::move(h));
  }
  return out;
}

json range_json(const an::StatsQuery& q, std::int64_t now) {
  return {{"from", rfc3339(q.from_ms)},
          {"to", rfc3339(q.to_ms)},
          {"granularity", an::info(q.granularity).name},
          {"generated_at", rfc3339(now)}};
}

}  // namespace

json brand_stats_json(const BrandStats& s, std::int64_t now) {
  json series = json::array();
  for (const auto& p : s.series) {
    json point = funnel_json(p.funnel);
    point["from"] = rfc3339(p.start_ms);
    point["conversion"] = number_or_null(an::ratio(p.funnel.approved, p.funnel.started));
    point["signals"] = p.signals;
    series.push_back(std::move(point));
  }
  json alerts = json::array();
  for (const auto& a : s.alerts) alerts.push_back(alert_json(a));
  const an::Counts& t = s.own.totals;
  const bool comparable = s.rest.funnel.started >= market_min_other_starts;
  const MarketView view{.market = comparable ? &s.market : nullptr, .rest = &s.rest};
  json market = {{"brands", s.market_brands}, {"comparable", comparable}};
  if (comparable) {
    const an::Histogram tta = an::time_to_approve(s.market.totals);
    market["rates"] = market_rates_json(s.market.funnel, view);
    market["time_to_approve"] = {{"p50_seconds", number_or_null(rounded(tta.p50, 0.1))},
                                 {"p90_seconds", number_or_null(rounded(tta.p90, 0.1))}};
  } else {
    market["rates"] = market_rates_json(an::Funnel{}, view);
    market["time_to_approve"] = {{"p50_seconds", nullptr}, {"p90_seconds", nullptr}};
  }
  json out = range_json(s.query, now);
  out["brand"] = s.brand;
  out["funnel"] = funnel_json(s.own.funnel);
  out["rates"] = rates_json(s.own.funnel);
  out["attempts_to_approve"] = per_approval_json(t, "att");
  out["sends_per_approval"] = per_approval_json(t, "spa");
  out["time_to_approve"] = histogram_json(an::time_to_approve(t));
  out["delivery_latency"] = latency_json(t);
  out["fraud"] = fraud_json(s.own, view);
  out["by_gateway"] = breakdown_json(t, "gw", "gateway");
  out["by_country"] = breakdown_json(t, "cc", "country");
  out["by_locale"] = breakdown_json(t, "lc", "locale");
  out["by_purpose"] = breakdown_json(t, "pp", "purpose");
  out["market"] = market;
  out["series"] = series;
  out["alerts"] = alerts;
  return out;
}

json brand_alerts_json(const std::string& brand, const BrandAlerts& a) {
  json open = json::array(), recent = json::array();
  for (const auto& x : a.open) open.push_back(alert_json(x));
  for (const auto& x : a.recent) recent.push_back(alert_json(x));
  return {{"brand", brand}, {"open", open}, {"recent", recent}};
}

json market_stats_json(const MarketStats& s, std::int64_t now) {
  json rows = json::array();
  for (const auto& [brand, f] : s.brands)
    rows.push_back({{"brand", brand},
                    {"funnel", funnel_json(f.funnel)},
                    {"rates", rates_json(f.funnel)},
                    {"fraud", fraud_json(f, MarketView{.market = &s.market, .exact = true})}});
  json out = range_json(s.query, now);
  out["brands"] = rows;
  out["market"] = {{"brands", s.brands.size()},
                   {"funnel", funnel_json(s.market.funnel)},
                   {"rates", rates_json(s.market.funnel)},
                   {"fraud", fraud_json(s.market, std::nullopt)}};
  return out;
}

namespace {

constexpr const char* funnel_columns =
    "started,sent,delivered,approved,failed,cancelled,send_failed,expired,pending,abandoned";

// The header's tail: the network signals' indicators, after the funnel.
std::string signal_columns() {
  std::string out;
  for (std::string_view i : an::signal_indicators) out += "," + std::string(i);
  return out + "\r\n";
}

void funnel_csv(std::ostringstream& out, const an::Funnel& f) {
  out << f.started << ',' << f.sent << ',' << f.delivered << ',' << f.approved << ',' << f.failed
      << ',' << f.cancelled << ',' << f.send_failed << ',' << f.expired << ',' << f.pending << ','
      << f.abandoned();
}

// One count per signal indicator (from a map of them or from bucket totals), ending the row.
void signals_csv(std::ostringstream& out, const std::map<std::string, std::int64_t>& signals) {
  for (std::string_view i : an::signal_indicators) {
    const auto it = signals.find(std::string(i));
    out << ',' << (it == signals.end() ? 0 : it->second);
  }
  out << "\r\n";
}

void figures_csv(std::ostringstream& out, const Figures& f) {
  funnel_csv(out, f.funnel);
  signals_csv(out, an::indicator_counts(f.totals));
}

}  // namespace

std::string series_csv(const BrandStats& s) {
  std::ostringstream out;
  out << "from," << funnel_columns << signal_columns();
  for (const auto& p : s.series) {
    out << rfc3339(p.start_ms) << ',';
    funnel_csv(out, p.funnel);
    signals_csv(out, p.signals);
  }
  return out.str();
}

std::string market_csv(const MarketStats& s) {
  std::ostringstream out;
  out << "brand," << funnel_columns << signal_columns();
  for (const auto& [brand, f] : s.brands) {
    out << brand << ',';
    figures_csv(out, f);
  }
  out << "*,";
  figures_csv(out, s.market);
  return out.str();
}

}  // namespace otpgate::api

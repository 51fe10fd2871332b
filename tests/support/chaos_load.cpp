#include "support/chaos_load.hpp"

#include "support/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

namespace otpgate::test {
namespace {

using clock = std::chrono::steady_clock;
using nlohmann::json;

// The outbox, read incrementally: the codes and the number of SMS per verification id.
class Outbox {
 public:
  explicit Outbox(std::string path) : path_(std::move(path)) {}

  // The newest code sent for `id` ("" when none).
  std::string code(const std::string& id) {
    std::lock_guard lock(m_);
    read_new();
    const auto it = codes_.find(id);
    return it == codes_.end() ? "" : it->second;
  }
  int sms_count(const std::string& id) {
    std::lock_guard lock(m_);
    read_new();
    const auto it = counts_.find(id);
    return it == counts_.end() ? 0 : it->second;
  }

 private:
  void read_new() {
    std::ifstream in(path_);
    in.seekg(offset_);
    std::string line;
    // Only whole lines: the gateway may be writing the last one.
    while (std::getline(in, line) && !in.eof()) {
      offset_ += static_cast<std::streamoff>(line.size() + 1);
      const json j = json::parse(line, nullptr, false);
      if (!j.is_object()) continue;
      const std::string id = j.value("verification_id", "");
      ++counts_[id];
      codes_[id] = first_six_digits(j.value("text", ""));
    }
  }
  static std::string first_six_digits(const std::string& text) {
    for (std::size_t i = 0; i + 6 <= text.size(); ++i)
      if (std::all_of(text.begin() + static_cast<long>(i), text.begin() + static_cast<long>(i) + 6,
                      [](unsigned char c) { return std::isdigit(c) != 0; }))
        return text.substr(i, 6);
    return "";
  }

  std::mutex m_;
  std::string path_;
  std::streamoff offset_ = 0;
  std::map<std::string, std::string> codes_;
  std::map<std::string, int> counts_;
};

// The counters every client adds to.
struct Tally {
  std::mutex m;
  ChaosReport report;
};

// One client: its random choices, its keys, its requests.
class Client {
 public:
  Client(const ChaosTarget& t, const ChaosOptions& o, Outbox& outbox, Tally& tally, int index)
      : t_(t),
        o_(o),
        outbox_(outbox),
        tally_(tally),
        index_(index),
        rng_(o.seed * 1000003u + static_cast<std::uint64_t>(index)) {}

  bool flow_saw_503() const { return flow_saw_503_; }

  ChaosFlow run_flow(int n) {
    ChaosFlow f;
    f.phone = phone(n);
    gave_up_ = false;
    flow_saw_503_ = false;
    const HttpResponse created = call("POST", "/v1/verifications", {{"phone_number", f.phone}});
    if (created.status == 429) return f;  // the brand's limits: nothing was promised
    if (created.status != 201 && created.status != 200) {
      if (created.status != 503) f.surprises.push_back("create answered " + created.body);
      return f;
    }
    f.id = created.json().value("id", "");
    f.attempts_at_start = created.json().value("attempts_left", 0);
    std::string code = outbox_.code(f.id);
    if (code.empty()) {
      f.surprises.push_back(f.id + ": acknowledged, but no SMS in the outbox");
      return f;
    }
    for (int w = pick(4); w > 0; --w) {
      const HttpResponse r = call("POST", path(f, "check"), {{"code", wrong(code, w)}});
      if (r.status == 422 && r.json().value("code", "") == "CODE_INVALID") {
        ++f.wrong_checks;
      } else if (r.status != 503) {
        f.surprises.push_back(f.id + ": a wrong code answered " + r.body);
        return f;  // one surprise per flow: what follows would only repeat it
      }
    }
    const int choice = pick(10);
    if (choice == 0) {
      const HttpResponse r = call("POST", path(f, "cancel"), json::object());
      f.cancelled = r.status == 200;
      if (r.status != 200 && r.status != 503) f.surprises.push_back(f.id + ": cancel " + r.body);
      f.uncertain = gave_up_;
      return f;
    }
    if (choice <= 2) {
      const HttpResponse r = call("POST", path(f, "resend"), json::object());
      if (r.status == 200)
        ++f.resends;
      else if (r.status != 503)
        f.surprises.push_back(f.id + ": resend answered " + r.body);
    }
    f.right_code_sent = true;
    const HttpResponse r = call("POST", path(f, "check"), {{"code", code}});
    f.approved = r.status == 200 && r.json().value("status", "") == "approved";
    if (!f.approved && r.status != 503)
      f.surprises.push_back(f.id + ": the right code answered " + r.body);
    f.uncertain = gave_up_;
    return f;
  }

 private:
  // One logical request: retried with the same Idempotency-Key and body while the service
  // answers 503 (or IDEMPOTENCY_KEY_IN_USE, or not at all).
  HttpResponse call(const std::string& method, const std::string& p, const json& body) {
    const std::string key = "chaos-" + std::to_string(o_.seed) + "-" + std::to_string(index_) +
                            "-" + std::to_string(++requests_);
    const Headers h = {
        bearer(t_.shop_key), {"Idempotency-Key", key}, {"Content-Type", "application/json"}};
    HttpResponse r;
    int tries = 0;
    bool saw_503 = false;
    for (; tries < o_.max_tries; ++tries) {
      if (tries > 0) std::this_thread::sleep_for(pause_after(r));
      const auto start = clock::now();
      r = http_request(method, t_.base_url + p, h, body.dump(), o_.request_timeout);
      const std::chrono::duration<double, std::milli> took = clock::now() - start;
      const bool again = retry_worthy(r);
      std::lock_guard lock(tally_.m);
      ++tally_.report.requests;
      if (r.status == 503) ++tally_.report.answered_503;
      if (!again && r.status >= 200 && r.status < 300)
        tally_.report.ok_latencies_ms.push_back(took.count());
      if (!again) break;
      saw_503 = saw_503 || r.status == 503;
    }
    flow_saw_503_ = flow_saw_503_ || saw_503;
    std::lock_guard lock(tally_.m);
    if (saw_503) ++tally_.report.retried_after_503;
    if (saw_503 && tries == 1) ++tally_.report.done_by_first_retry;
    if (tries == o_.max_tries) ++tally_.report.gave_up;
    gave_up_ = gave_up_ || tries == o_.max_tries;
    return r;
  }
  std::chrono::milliseconds pause_after(const HttpResponse& r) const {
    const std::string after = r.header("retry-after");
    if (!o_.honor_retry_after || after.empty() ||
        after.find_first_not_of("0123456789") != std::string::npos)
      return o_.retry_pause;
    return std::chrono::seconds(std::stol(after));
  }
  static bool retry_worthy(const HttpResponse& r) {
    if (r.status == 0 || r.status == 503) return true;
    if (r.status != 409) return false;
    const json j = json::parse(r.body, nullptr, false);
    return j.is_object() && j.value("code", "") == "IDEMPOTENCY_KEY_IN_USE";
  }

  std::string phone(int n) const {
    // +49151 then the run's prefix, the client and the flow: distinct within a run.
    std::string digits = std::to_string(index_ * 100000 + n % 100000);
    digits.insert(0, 7 - std::min<std::size_t>(7, digits.size()), '0');
    return "+49151" + o_.phone_prefix + digits;
  }
  static std::string path(const ChaosFlow& f, const std::string& action) {
    return "/v1/verifications/" + f.id + "/" + action;
  }
  // A code that differs from the right one in its last digit, distinct per `w`.
  static std::string wrong(std::string code, int w) {
    code.back() = static_cast<char>('0' + (code.back() - '0' + w) % 10);
    return code;
  }
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  const ChaosTarget& t_;
  const ChaosOptions& o_;
  Outbox& outbox_;
  Tally& tally_;
  const int index_;
  std::mt19937_64 rng_;
  long requests_ = 0;
  bool gave_up_ = false;       // in the current flow
  bool flow_saw_503_ = false;  // in the current flow
};

std::string describe(const ChaosFlow& f) {
  return f.id + " (" + f.phone + ")";
}

// The phone's tokens left: creates (each one SMS) until its limit answers 429; -1 when another
// answer leaves it unknown.
int phone_tokens_left(const ChaosTarget& t, const std::string& phone) {
  const Headers h = {bearer(t.shop_key), {"Content-Type", "application/json"}};
  const std::string body = json{{"phone_number", phone}}.dump();
  for (int n = 0; n <= t.phone_sends_per_day; ++n) {
    const HttpResponse r = http_request("POST", t.base_url + "/v1/verifications", h, body);
    if (r.status == 429 && r.json().value("limit", "") == "phone") return n;
    if (r.status != 201) return -1;
  }
  return -1;
}

}  // namespace

ChaosReport run_chaos_load(const ChaosTarget& target, const ChaosOptions& options) {
  Outbox outbox(target.outbox_path);
  Tally tally;
  const auto end = clock::now() + options.duration;
  std::vector<std::thread> threads;
  for (int i = 0; i < options.clients; ++i)
    threads.emplace_back([&, i] {
      Client client(target, options, outbox, tally, i);
      for (int n = 0; clock::now() < end; ++n) {
        ChaosFlow f = client.run_flow(n);
        f.saw_503 = client.flow_saw_503();
        std::lock_guard lock(tally.m);
        tally.report.flows.push_back(std::move(f));
      }
    });
  for (auto& t : threads) t.join();
  return std::move(tally.report);
}

std::vector<std::string> chaos_violations(const ChaosTarget& target, const ChaosReport& report) {
  std::vector<std::string> out;
  Outbox outbox(target.outbox_path);
  for (const ChaosFlow& f : report.flows) {
    for (const auto& s : f.surprises) out.push_back(s);
    const HttpResponse who =
        http_get(target.base_url + "/v1/brands/" + target.brand + "/subscribers/" + f.phone,
                 {bearer(target.support_key)});
    const json recent =
        who.status == 200 ? who.json().value("recent_verifications", json()) : json::array();
    for (const auto& v : recent)
      if (v.value("status", "") == "pending" && v.value("delivery_status", "") == "queued")
        out.push_back(v.value("id", "") + " (" + f.phone + "): pending with its SMS unsent");
    if (f.id.empty()) continue;
    if (recent.size() != 1)
      out.push_back(describe(f) + ": " + std::to_string(recent.size()) +
                    " verifications for one acknowledged create");
    const HttpResponse got =
        http_get(target.base_url + "/v1/verifications/" + f.id, {bearer(target.shop_key)});
    if (got.status != 200) {
      out.push_back(describe(f) + ": acknowledged, but GET answered " + got.body);
      continue;
    }
    const json v = got.json();
    const std::string status = v.value("status", "");
    if (f.approved && status != "approved")
      out.push_back(describe(f) + ": answered approved, but is " + status);
    if (f.cancelled && status != "cancelled")
      out.push_back(describe(f) + ": answered cancelled, but is " + status);
    if (f.right_code_sent && !f.approved && !f.uncertain && status == "approved")
      out.push_back(describe(f) + ": approved, but its client never heard so");
    const int used = f.wrong_checks + (f.approved ? 1 : 0);
    if (!f.uncertain && status == "pending" &&
        v.value("attempts_left", -1) != f.attempts_at_start - used)
      out.push_back(describe(f) + ": " + std::to_string(v.value("attempts_left", -1)) +
                    " attempts left after " + std::to_string(used) + " checks answered");
    if (f.uncertain) continue;
    const int sms = outbox.sms_count(f.id);
    if (sms != 1 + f.resends)
      out.push_back(describe(f) + ": " + std::to_string(sms) + " SMS for " +
                    std::to_string(1 + f.resends) + " acknowledged sends");
    if (!f.saw_503 || target.phone_sends_per_day == 0) continue;
    const int left = phone_tokens_left(target, f.phone);
    if (left != target.phone_sends_per_day - 1 - f.resends)
      out.push_back(describe(f) + ": " + std::to_string(left) + " phone tokens left after " +
                    std::to_string(1 + f.resends) + " acknowledged sends (limit " +
                    std::to_string(target.phone_sends_per_day) + " a day)");
  }
  return out;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto i = static_cast<std::size_t>(p / 100.0 * static_cast<double>(values.size() - 1));
  return values[i];
}

}  // namespace otpgate::test

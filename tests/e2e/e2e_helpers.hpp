// Shared steps of the end-to-end tests: start a verification, read its code from the outbox.
#pragma once

#include "support/http_client.hpp"
#include "support/otpgate_process.hpp"
#include "support/redis_server.hpp"
#include "support/unique_names.hpp"

#include <catch2/catch.hpp>

#include "otpgate/crypto/openssl.hpp"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace otpgate::test {

inline const std::string& shop_key() {
  static const std::string k = dev_keys().at("OTPGATE_DEMO_SHOP_KEY");
  return k;
}

// Runs n copies of request in parallel threads, all released at once, and returns the answers.
inline std::vector<HttpResponse> in_parallel(int n, const std::function<HttpResponse()>& request) {
  std::vector<HttpResponse> out(static_cast<std::size_t>(n));
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      out[static_cast<std::size_t>(i)] = request();
    });
  go.store(true);
  for (auto& t : threads) t.join();
  return out;
}

inline HttpResponse start_verification(const OtpgateProcess& p, const std::string& phone,
                                       const Headers& extra = {}) {
  Headers h = {bearer(shop_key())};
  h.insert(h.end(), extra.begin(), extra.end());
  return http_post_json(p.base_url() + "/v1/verifications", {{"phone_number", phone}}, h);
}

// The code in the newest outbox SMS for this verification id ("" when none was sent).
inline std::string code_from_outbox(const OtpgateProcess& p, const std::string& id) {
  std::string code;
  for (const auto& line : p.outbox_lines()) {
    if (line.value("verification_id", "") != id) continue;
    const std::string text = line.value("text", "");
    // Demo templates put the code first or after "code is"/"lautet": take the first run of
    // 6 digits.
    for (std::size_t i = 0; i + 6 <= text.size(); ++i) {
      bool digits = true;
      for (std::size_t j = 0; j < 6 && digits; ++j) digits = std::isdigit(text[i + j]) != 0;
      if (digits) {
        code = text.substr(i, 6);
        break;
      }
    }
  }
  return code;
}

inline HttpResponse check_code(const OtpgateProcess& p, const std::string& id,
                               const std::string& code) {
  return http_post_json(p.base_url() + "/v1/verifications/" + id + "/check", {{"code", code}},
                        {bearer(shop_key())});
}

inline HttpResponse create_as(const OtpgateProcess& p, const std::string& key,
                              const nlohmann::json& body) {
  return http_post_json(p.base_url() + "/v1/verifications", body, {bearer(key)});
}

// A 429 TOO_MANY_REQUESTS naming `limit`, with a whole-seconds Retry-After within (0, max_s].
inline void require_limited(const HttpResponse& r, const std::string& limit, long max_s) {
  INFO(r.body);
  REQUIRE(r.status == 429);
  CHECK(r.json()["code"] == "TOO_MANY_REQUESTS");
  CHECK(r.json()["limit"] == limit);
  const std::string retry = r.header("retry-after");
  REQUIRE(!retry.empty());
  CHECK(retry.find_first_not_of("0123456789") == std::string::npos);
  CHECK(std::stol(retry) >= 1);
  CHECK(std::stol(retry) <= max_s);
}

inline int sms_to(const OtpgateProcess& p, const std::string& phone) {
  int n = 0;
  for (const auto& line : p.outbox_lines())
    if (line.value("to", "") == phone) ++n;
  return n;
}

// A 4xx/5xx answer with the error body of DESIGN.md: status, code, a message, the field.
inline void require_error(const HttpResponse& r, long status, const std::string& code,
                          const std::string& field = "") {
  INFO("status " << r.status << " body " << r.body);
  REQUIRE(r.status == status);
  const auto j = r.json();
  CHECK(j["status"] == status);
  CHECK(j["code"] == code);
  CHECK(j["message"].is_string());
  CHECK(!j["message"].get<std::string>().empty());
  if (!field.empty()) CHECK(j.value("field", "") == field);
  CHECK(!r.header("x-correlator").empty());
}

// How many keys of the test Redis hold `needle` anywhere: in a key's name or in any value of a
// string, hash, list, set, sorted set or stream (one Lua call, so nothing is missed between
// reads). For "this was never stored" checks.
inline long redis_keys_containing(const std::string& needle) {
  static const std::string script = R"(
local n = 0
local function has(v) return string.find(v, ARGV[1], 1, true) ~= nil end
local function any(list) for _, v in ipairs(list) do if type(v) == 'table' then
  if any(v) then return true end elseif has(tostring(v)) then return true end end return false end
for _, k in ipairs(redis.call('KEYS', '*')) do
  local t = redis.call('TYPE', k).ok
  local found = has(k)
  if not found then
    if t == 'string' then found = has(redis.call('GET', k))
    elseif t == 'hash' then found = any(redis.call('HGETALL', k))
    elseif t == 'list' then found = any(redis.call('LRANGE', k, 0, -1))
    elseif t == 'set' then found = any(redis.call('SMEMBERS', k))
    elseif t == 'zset' then found = any(redis.call('ZRANGE', k, 0, -1))
    elseif t == 'stream' then found = any(redis.call('XRANGE', k, '-', '+')) end
  end
  if found then n = n + 1 end
end
return n)";
  return std::stol(redis_cli(shared_redis_port(), {"EVAL", script, "0", needle}));
}

// A brands folder and keys file made for one test: the real schema, brands and keys as given.
class TempBrands {
 public:
  TempBrands() {
    char tmpl[] = "/tmp/otpgate-brands-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    std::filesystem::copy_file(source_dir() + "/brands/schema.json", dir_ + "/schema.json");
  }
  ~TempBrands() { std::filesystem::remove_all(dir_); }
  TempBrands(const TempBrands&) = delete;
  TempBrands& operator=(const TempBrands&) = delete;

  void add(const std::string& brand, const std::string& brand_json) {
    std::filesystem::create_directories(dir_ + "/" + brand);
    std::ofstream(dir_ + "/" + brand + "/brand.json") << brand_json;
  }
  // The brand's own template text for a locale (brands/<brand>/templates/<locale>/verification.txt,
  // as load_brands reads brand overrides).
  void add_template(const std::string& brand, const std::string& locale, const std::string& text) {
    const std::string folder = dir_ + "/" + brand + "/templates/" + locale;
    std::filesystem::create_directories(folder);
    std::ofstream(folder + "/verification.txt") << text;
  }
  // A new random key with these roles for the brand ("*" for all).
  void add_key(const std::string& id, const std::string& brand, const std::string& role) {
    const std::string key =
        "test_" + id + "_" + std::to_string(::getpid()) + "_" + std::to_string(keys_.size());
    keys_[id] = key;
    entries_.push_back({{"id", id},
                        {"sha256", otpgate::crypto::sha256_hex(key)},
                        {"brand", brand},
                        {"roles", {role}}});
  }
  const std::string& key(const std::string& id) const { return keys_.at(id); }
  const std::string& dir() const { return dir_; }
  OtpgateOptions options() const {
    std::ofstream(dir_ + "/keys.json") << nlohmann::json{{"keys", entries_}}.dump();
    OtpgateOptions o;
    o.env["OTPGATE_BRANDS_DIR"] = dir_;
    o.env["OTPGATE_API_KEYS_FILE"] = dir_ + "/keys.json";
    return o;
  }

 private:
  std::string dir_;
  std::map<std::string, std::string> keys_;
  std::vector<nlohmann::json> entries_;
};

}  // namespace otpgate::test

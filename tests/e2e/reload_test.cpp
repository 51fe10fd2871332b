// SIGHUP reloads the brand files: a valid change applies to the next request without a restart
// or a dropped connection; an invalid one is refused with a log line and the old brands stay.
#include "e2e_helpers.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

using namespace otpgate::test;

namespace {

const char* brand_json(const std::string& display_name) {
  static std::string s;
  s = R"({"display_name":")" + display_name + R"(","sender_id":"Reload","locales":["en"],
      "default_locale":"en","allowed_countries":["DE"],"gateways":["file"]})";
  return s.c_str();
}

void write_template(const TempBrands& brands, const std::string& text) {
  const std::string dir = brands.dir() + "/reload/templates/en";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/verification.txt") << text << "\n";
}

// The SMS text of a new verification with the brands' "shop" key.
std::string sms_of(const OtpgateProcess& p, const TempBrands& brands) {
  const auto r = http_post_json(p.base_url() + "/v1/verifications",
                                {{"phone_number", fresh_phone()}}, {bearer(brands.key("shop"))});
  REQUIRE(r.status == 201);
  const std::string id = r.json()["id"];
  for (const auto& line : p.outbox_lines())
    if (line.value("verification_id", "") == id) return line.value("text", "");
  return "";
}

// Waits until the log has `count` lines containing `needle` (the reload is asynchronous to
// the signal).
bool log_has(const OtpgateProcess& p, const std::string& needle, std::size_t count = 1) {
  for (int i = 0; i < 200; ++i) {
    const std::string log = p.log_text();
    std::size_t n = 0;
    for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
    if (n >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return false;
}

}  // namespace

TEST_CASE("SIGHUP applies valid brand changes and refuses invalid ones", "[e2e][reload]") {
  TempBrands brands;
  brands.add("reload", brand_json("Before"));
  write_template(brands, "{{code}} from {{brand}}.");
  brands.add_key("shop", "reload", "shop");
  OtpgateProcess p(brands.options());
  const int pid = p.process().pid();
  CHECK(sms_of(p, brands).find(" from Before.") != std::string::npos);

  // A keep-alive connection opened before the reload is still served after it.
  RawConnection held(p.port());
  const std::string health = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  auto served = [&] {
    return held.send(health) && held.read_until("{\"status\":\"ok\"}", std::chrono::seconds(5))
                                        .received.find("200 OK") != std::string::npos;
  };
  CHECK(served());

  brands.add("reload", brand_json("After"));
  write_template(brands, "{{code}} is from {{brand}}, reloaded.");
  REQUIRE(p.stop(SIGHUP));
  REQUIRE(log_has(p, "brands reloaded"));
  CHECK(sms_of(p, brands).find(" is from After, reloaded.") != std::string::npos);
  CHECK(served());

  // An unknown key: refused with the file, the field and the reason; "After" stays.
  brands.add("reload", R"({"display_name":"Broken","sender_id":"Reload","locales":["en"],
      "default_locale":"en","allowed_countries":["DE"],"gateways":["file"],"colour":"red"})");
  REQUIRE(p.stop(SIGHUP));
  REQUIRE(log_has(p, "brand reload refused"));
  CHECK(p.log_text().find("reload/brand.json: field /colour") != std::string::npos);
  CHECK(sms_of(p, brands).find(" is from After, reloaded.") != std::string::npos);

  // A template that fails the lint is refused the same way.
  brands.add("reload", brand_json("Third"));
  write_template(brands, "no code here");
  REQUIRE(p.stop(SIGHUP));
  REQUIRE(log_has(p, "brand reload refused", 2));
  CHECK(sms_of(p, brands).find(" is from After, reloaded.") != std::string::npos);

  // A gateway the process did not start with is refused too (restart needed).
  write_template(brands, "{{code}} fine.");
  brands.add("reload", R"({"display_name":"Gw","sender_id":"Reload","locales":["en"],
      "default_locale":"en","allowed_countries":["DE"],"gateways":["log"]})");
  REQUIRE(p.stop(SIGHUP));
  REQUIRE(log_has(p, "brand reload refused", 3));
  CHECK(p.log_text().find("log was not in use at start-up") != std::string::npos);

  CHECK(p.process().pid() == pid);
  CHECK(p.running());
}

TEST_CASE("a reload that tightens the policy sets aside a stored template that breaks it",
          "[e2e][reload]") {
  TempBrands brands;
  const std::string id = "rl" + std::to_string(::getpid());
  const std::string policy = R"({"display_name":"Tight","sender_id":"Tight","locales":["en"],
      "default_locale":"en","allowed_countries":["DE"],"gateways":["file"])";
  brands.add(id, policy + "}");
  brands.add_key("shop", id, "shop");
  brands.add_key("manager", id, "brand_manager");
  OtpgateProcess p(brands.options());
  const std::string url = p.base_url() + "/v1/brands/" + id + "/templates/en";
  const std::string two_parts = "{{code}} " + std::string(170, 'x');  // 2 SMS parts
  const auto saved = http_request(
      "PUT", url,
      {bearer(brands.key("manager")), {"If-Match", "*"}, {"Content-Type", "application/json"}},
      nlohmann::json{{"text", two_parts}}.dump());
  REQUIRE(saved.status == 200);
  CHECK(sms_of(p, brands).size() > 170);

  brands.add(id, policy + R"(,"max_segments":1})");
  REQUIRE(p.stop(SIGHUP));
  REQUIRE(log_has(p, "brands reloaded"));
  CHECK(p.log_text().find("stored template not used") != std::string::npos);
  // The default English template applies; the API says the stored one is not in effect.
  CHECK(sms_of(p, brands).find("Tight code") != std::string::npos);
  const auto read = http_get(url, {bearer(brands.key("manager"))});
  REQUIRE(read.status == 200);
  CHECK(read.json()["source"] == "api");
  CHECK(read.json()["in_effect"] == false);
  INFO(read.body);
  bool too_many = false;
  const nlohmann::json body = read.json();
  for (const auto& problem : body["problems"])
    too_many = too_many || problem["code"] == "TOO_MANY_SEGMENTS";
  CHECK(too_many);
}

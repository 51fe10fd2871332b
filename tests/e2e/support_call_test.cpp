// The support agent's identity check on the real binary: a support key starts a support_call
// verification (an "sc_" id, the brand's support text, no autofill line), the caller reads the
// code back, the agent checks it; shop keys neither start nor see one; every step is audited.
#include "e2e_helpers.hpp"

#include "support/redis_server.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <thread>
#include <fstream>

using namespace otpgate::test;
using nlohmann::json;

namespace {

struct CallWorld {
  TempBrands brands;
  std::string brand = unique_brand("call");

  explicit CallWorld(const std::string& extra = "") {
    brands.add(brand, R"({"display_name":"Callco","sender_id":"Callco","locales":["en"],
        "default_locale":"en","allowed_countries":["DE"],"gateways":["file"],
        "webotp_domain":"shop.callco.example")" +
                          extra + "}");
    brands.add_key("support", brand, "support");
    brands.add_key("shop", brand, "shop");
  }
  Headers as(const std::string& key_id) const { return {bearer(brands.key(key_id))}; }
  HttpResponse start(const OtpgateProcess& p, const json& body,
                     const std::string& key_id = "support") const {
    return http_post_json(p.base_url() + "/v1/verifications", body, as(key_id));
  }
  HttpResponse on(const OtpgateProcess& p, const std::string& id, const std::string& action,
                  const json& body, const std::string& key_id = "support") const {
    return http_post_json(p.base_url() + "/v1/verifications/" + id + "/" + action, body,
                          as(key_id));
  }
  json audit(const OtpgateProcess& p) const {
    const auto r =
        http_get(p.base_url() + "/v1/brands/" + brand + "/audit?limit=200", as("support"));
    REQUIRE(r.status == 200);
    return r.json()["entries"];
  }
};

json support_call(const std::string& phone, const std::string& reason = "inbound call 4711") {
  return {{"phone_number", phone}, {"purpose", "support_call"}, {"reason", reason}};
}

}  // namespace

TEST_CASE("support_call: the caller reads back the code, the agent checks it, all audited",
          "[e2e][support][support_call]") {
  CallWorld w;
  OtpgateProcess p(w.brands.options());
  const std::string phone = fresh_phone();
  const auto started = w.start(p, support_call(phone));
  INFO(started.body);
  REQUIRE(started.status == 201);
  const json v = started.json();
  const std::string id = v["id"];
  CHECK(id.starts_with("sc_"));
  CHECK(v["purpose"] == "support_call");
  CHECK(v["status"] == "pending");

  // The SMS is the support text, without the WebOTP line the brand's checkout texts end with:
  // this code is read aloud, no browser may fill it in.
  const auto sms = p.outbox_lines();
  REQUIRE(sms.size() == 1);
  const std::string text = sms[0]["text"];
  CHECK(text.find("identity code") != std::string::npos);
  CHECK(text.find("Callco support") != std::string::npos);
  CHECK(text.find('@') == std::string::npos);
  CHECK(text.find('\n') == std::string::npos);
  const std::string code = code_from_outbox(p, id);
  REQUIRE(code.size() == 6);

  // A shop key of the same brand does not see it: not found, and nothing changes.
  CHECK(http_get(p.base_url() + "/v1/verifications/" + id, w.as("shop")).status == 404);
  require_error(w.on(p, id, "check", {{"code", code}}, "shop"), 404, "NOT_FOUND");
  require_error(w.on(p, id, "cancel", json::object(), "shop"), 404, "NOT_FOUND");
  const auto after_shop = http_get(p.base_url() + "/v1/verifications/" + id, w.as("support"));
  REQUIRE(after_shop.status == 200);
  CHECK(after_shop.json()["status"] == "pending");
  CHECK(after_shop.json()["attempts_left"] == 5);
  // Nor can it reach the record by swapping the prefix: that is another id.
  CHECK(http_get(p.base_url() + "/v1/verifications/vf_" + id.substr(3), w.as("shop")).status ==
        404);

  // The caller misreads once, then reads it right.
  std::string wrong = code;
  wrong[0] = wrong[0] == '1' ? '2' : '1';
  require_error(w.on(p, id, "check", {{"code", wrong}}), 422, "CODE_INVALID");
  const auto approved = w.on(p, id, "check", {{"code", code}});
  INFO(approved.body);
  REQUIRE(approved.status == 200);
  CHECK(approved.json()["status"] == "approved");

  // Audit: the start with its reason, both checks with their outcomes; masked target only.
  const json entries = w.audit(p);
  INFO(entries.dump());
  REQUIRE(entries.size() == 3);
  CHECK(entries.dump().find(phone.substr(1)) == std::string::npos);
  const json& start = entries[2];  // newest first
  CHECK(start["action"] == "support_call.start");
  CHECK(start["actor"] == "support");
  CHECK(start["reason"] == "inbound call 4711");
  CHECK(start["verification"] == id);
  CHECK(start["outcome"] == "ok");
  CHECK(start["target"] == v["phone_number"]);
  CHECK(entries[1]["action"] == "support_call.check");
  CHECK(entries[1]["outcome"] == "CODE_INVALID");
  CHECK(entries[0]["action"] == "support_call.check");
  CHECK(entries[0]["outcome"] == "ok");
  CHECK(entries[0]["verification"] == id);
  CHECK(entries[0]["target"] == v["phone_number"]);
  // The shop's refused attempts wrote nothing; the support GET is not an action.

  // The events say what the verification was for.
  std::string events;
  for (int i = 0; i < 50 && events.find("approved") == std::string::npos; ++i) {
    events =
        redis_cli(shared_redis_port(), {"XRANGE", "otp:{brand:" + w.brand + "}:events", "-", "+"});
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(events.find("approved") != std::string::npos);
  CHECK(events.find("purpose\nsupport_call") != std::string::npos);
}

TEST_CASE("support_call refusals: shop keys, a missing reason, an order, unknown purposes",
          "[e2e][support][support_call]") {
  CallWorld w;
  OtpgateProcess p(w.brands.options());
  const std::string phone = fresh_phone();
  require_error(w.start(p, support_call(phone), "shop"), 403, "PERMISSION_DENIED");
  // The role is checked first: without a reason too, a shop key hears 403, not a 400.
  require_error(w.start(p, {{"phone_number", phone}, {"purpose", "support_call"}}, "shop"), 403,
                "PERMISSION_DENIED");
  require_error(w.start(p, {{"phone_number", phone}, {"purpose", "support_call"}}), 400,
                "INVALID_ARGUMENT", "reason");
  require_error(w.start(p, support_call(phone, "")), 400, "INVALID_ARGUMENT", "reason");
  require_error(w.start(p, support_call(phone, "two\nlines")), 400, "INVALID_ARGUMENT", "reason");
  require_error(w.start(p, support_call(phone, std::string(501, 'x'))), 400, "INVALID_ARGUMENT",
                "reason");
  json with_order = support_call(phone);
  with_order["order"] = {{"amount", "10.00"}, {"currency", "EUR"}, {"payee", "Callco"}};
  require_error(w.start(p, with_order), 400, "INVALID_ARGUMENT", "order");
  require_error(w.start(p, {{"phone_number", phone}, {"reason", "why not"}}), 400,
                "INVALID_ARGUMENT", "reason");
  require_error(w.start(p, {{"phone_number", phone}, {"purpose", "login"}}), 400,
                "INVALID_ARGUMENT", "purpose");
  require_error(w.start(p, {{"phone_number", phone}, {"purpose", 1}}), 400, "INVALID_ARGUMENT",
                "purpose");
  // Nothing was sent, nothing audited, and the server still serves.
  CHECK(p.outbox_lines().empty());
  CHECK(w.audit(p).empty());
  const auto checkout = w.start(p, {{"phone_number", phone}, {"purpose", "checkout"}}, "shop");
  REQUIRE(checkout.status == 201);
  CHECK(checkout.json()["id"].get<std::string>().starts_with("vf_"));
  CHECK(checkout.json()["purpose"] == "checkout");
}

TEST_CASE("support_call on a PSD2 brand needs no order and is not bound to one",
          "[e2e][support][support_call][psd2]") {
  CallWorld w(R"(,"psd2_dynamic_linking":true)");
  w.brands.add_template(w.brand, "en", "{{code}} confirms {{amount}} to {{payee}}.");
  OtpgateProcess p(w.brands.options());
  const std::string phone = fresh_phone();
  // A checkout without the order is still refused, for support keys too.
  require_error(w.start(p, {{"phone_number", phone}}), 400, "INVALID_ARGUMENT", "order.amount");
  const auto started = w.start(p, support_call(phone));
  INFO(started.body);
  REQUIRE(started.status == 201);
  const std::string id = started.json()["id"];
  const std::string code = code_from_outbox(p, id);
  REQUIRE(code.size() == 6);
  const auto approved = w.on(p, id, "check", {{"code", code}});
  INFO(approved.body);
  CHECK(approved.status == 200);
}

TEST_CASE("a brand's own support_call text is used, one without {{code}} stops start-up",
          "[e2e][support][support_call][templates]") {
  CallWorld w;
  const std::string folder = w.brands.dir() + "/" + w.brand + "/templates/en";
  std::filesystem::create_directories(folder);
  SECTION("the brand's text") {
    std::ofstream(folder + "/support_call.txt") << "Callco hotline code: {{code}}\n";
    OtpgateProcess p(w.brands.options());
    const auto started = w.start(p, support_call(fresh_phone()));
    REQUIRE(started.status == 201);
    const auto sms = p.outbox_lines();
    REQUIRE(sms.size() == 1);
    CHECK(sms[0]["text"].get<std::string>().starts_with("Callco hotline code: "));
  }
  SECTION("a text without the code") {
    std::ofstream(folder + "/support_call.txt") << "Call us back.\n";
    OtpgateOptions o = w.brands.options();
    o.wait_healthy = false;
    OtpgateProcess p(o);
    CHECK(p.wait_exit() == 2);
    CHECK_THAT(p.log_text(), Catch::Contains("en/support_call.txt") && Catch::Contains("{{code}}"));
  }
}

TEST_CASE("a support call's idempotency key is its own: a shop reusing it learns nothing",
          "[e2e][support][support_call][idempotency]") {
  CallWorld w;
  OtpgateProcess p(w.brands.options());
  const std::string phone = fresh_phone();
  Headers support = w.as("support");
  support.emplace_back("Idempotency-Key", "ticket-4711");
  const auto call =
      http_post_json(p.base_url() + "/v1/verifications", support_call(phone), support);
  REQUIRE(call.status == 201);
  // The agent's retry replays.
  const auto again =
      http_post_json(p.base_url() + "/v1/verifications", support_call(phone), support);
  CHECK(again.status == 200);
  CHECK(again.json()["id"] == call.json()["id"]);
  // The shop, same phone, same key: a checkout of its own, not a 409 revealing the call.
  Headers shop = w.as("shop");
  shop.emplace_back("Idempotency-Key", "ticket-4711");
  const auto checkout =
      http_post_json(p.base_url() + "/v1/verifications", {{"phone_number", phone}}, shop);
  INFO(checkout.body);
  CHECK(checkout.status == 201);
  CHECK(checkout.json()["id"].get<std::string>().starts_with("vf_"));
}

TEST_CASE("a support key's refused action is audited too, with its outcome",
          "[e2e][support][support_call]") {
  CallWorld w;
  OtpgateProcess p(w.brands.options());
  // An id that names no verification: nothing to read, the key's brand takes the entry.
  const std::string unknown = "sc_" + std::string(36, 'a');
  require_error(w.on(p, unknown, "check", {{"code", "123456"}}), 404, "NOT_FOUND");
  const json entries = w.audit(p);
  INFO(entries.dump());
  REQUIRE(entries.size() == 1);
  CHECK(entries[0]["action"] == "support_call.check");
  CHECK(entries[0]["verification"] == unknown);
  CHECK(entries[0]["outcome"] == "NOT_FOUND");
  CHECK(entries[0]["target"] == "");
}

TEST_CASE("a brand without a support_call text starts, and refuses support calls",
          "[e2e][support][support_call][templates]") {
  TempBrands brands;
  // French only, with its own verification text: no default support text is in French.
  const std::string french = unique_brand("callfr");
  brands.add(french, R"({"display_name":"Appel","sender_id":"Appel","locales":["fr"],
      "default_locale":"fr","allowed_countries":["DE"],"gateways":["file"]})");
  brands.add_template(french, "fr", "Votre code {{brand}} : {{code}}");
  // One SMS part at most and a long name: the default German support text does not fit it.
  const std::string capped = unique_brand("callcap");
  brands.add(capped, R"({"display_name":"Nordwestdeutsche Mobilfunk Gesellschaft",
      "sender_id":"Capped","locales":["de"],"default_locale":"de","max_segments":1,
      "allowed_countries":["DE"],"gateways":["file"]})");
  brands.add_template(capped, "de", "{{code}} ist Ihr Code.");
  brands.add_key("fr-support", french, "support");
  brands.add_key("cap-support", capped, "support");
  brands.add_key("cap-shop", capped, "shop");
  OtpgateProcess p(brands.options());
  for (const std::string key : {"fr-support", "cap-support"}) {
    INFO(key);
    const auto r = http_post_json(p.base_url() + "/v1/verifications", support_call(fresh_phone()),
                                  {bearer(brands.key(key))});
    require_error(r, 400, "INVALID_ARGUMENT", "purpose");
  }
  CHECK(p.outbox_lines().empty());
  CHECK_THAT(p.log_text(), Catch::Contains("default support_call text left out"));
  // Checkouts work as before.
  CHECK(http_post_json(p.base_url() + "/v1/verifications", {{"phone_number", fresh_phone()}},
                       {bearer(brands.key("cap-shop"))})
            .status == 201);
}

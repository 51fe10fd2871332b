// The brands' network-signal policies on the real binary against a fake operator (docs/signals.md):
// a recent SIM swap blocks or flags a create, an old one passes, the operator's failures follow
// on_error and open the circuit, the token is fetched once per lifetime, and KYC results map to
// the policy while the customer's data is kept nowhere.
#include "e2e_helpers.hpp"
#include "support/fake_operator.hpp"

#include <fstream>

using namespace otpgate::test;
using nlohmann::json;
using Endpoint = FakeOperator::Endpoint;

namespace {

constexpr const char* secret_env = "OTPGATE_E2E_SIGNALS_SECRET";

// A brand per policy, the fake operator, and otpgate with an operators file naming it.
struct SignalsWorld {
  FakeOperator op;
  TempBrands brands;
  std::optional<OtpgateProcess> p;
  std::map<std::string, std::string> ids;  // policy name -> its unique brand id

  explicit SignalsWorld(int timeout_ms = 400, int circuit_failures = 1000) {
    add("swap_block", {{"sim_swap", {{"operator", "telco"}, {"max_age_hours", 24}}}});
    add("swap_flag",
        {{"sim_swap", {{"operator", "telco"}, {"max_age_hours", 24}, {"action", "flag"}}}});
    add("swap_deny",
        {{"sim_swap", {{"operator", "telco"}, {"max_age_hours", 24}, {"on_error", "deny"}}}});
    add("kyc_block", {{"kyc",
                       {{"operator", "telco"},
                        {"must_match", {"family_name"}},
                        {"min_matches", 2},
                        {"action", "block"}}}});
    add("kyc_flag", {{"kyc", {{"operator", "telco"}, {"min_matches", 3}}}});
    std::ofstream(brands.dir() + "/operators.json")
        << json{{"operators",
                 {{"telco",
                   {{"base_url", op.base_url()},
                    {"token_url", op.token_url()},
                    {"client_id", op.options().client_id},
                    {"client_secret_env", secret_env},
                    {"timeout_ms", timeout_ms},
                    {"cache_ms", 0},
                    {"circuit", {{"failures", circuit_failures}, {"open_ms", 600000}}}}}}}}
               .dump();
    OtpgateOptions o = brands.options();
    o.env["OTPGATE_OPERATORS_FILE"] = brands.dir() + "/operators.json";
    o.env[secret_env] = op.options().client_secret;
    p.emplace(o);
  }

  void add(const std::string& policy, const json& signals) {
    std::string id = unique_brand_now("sig");
    json brand = {{"display_name", "Signals"},   {"sender_id", "Signals"},
                  {"locales", {"en"}},           {"default_locale", "en"},
                  {"allowed_countries", {"DE"}}, {"gateways", {"file"}},
                  {"signals", signals}};
    brands.add(id, brand.dump());
    brands.add_key(policy, id, "shop");
    ids[policy] = id;
  }

  HttpResponse create(const std::string& policy, const std::string& phone,
                      const json& customer = nullptr) {
    json body = {{"phone_number", phone}};
    if (!customer.is_null()) body["customer"] = customer;
    return http_post_json(p->base_url() + "/v1/verifications", body, {bearer(brands.key(policy))});
  }

  // A number the operator knows, its SIM changed that many hours ago (nullopt: never).
  std::string swapped(std::optional<int> hours_ago) {
    const std::string phone = fresh_phone();
    op.set_sim_swap(phone, hours_ago);
    return phone;
  }

  int sms(const std::string& phone) { return sms_to(*p, phone); }

  // The brand's events in the shared Redis, as redis-cli prints them.
  std::string events(const std::string& policy) {
    return redis_cli(shared_redis_port(),
                     {"XRANGE", "otp:{brand:" + ids.at(policy) + "}:events", "-", "+"});
  }
};

const json ada = {{"given_name", "Ada"}, {"family_name", "Lovelace"}, {"postal_code", "10115"}};

}  // namespace

TEST_CASE("a SIM swapped 2 hours ago is refused or flagged and an old swap passes",
          "[e2e][signals]") {
  SignalsWorld w;
  const std::string recent = w.swapped(2);
  const HttpResponse refused = w.create("swap_block", recent);
  require_error(refused, 403, "PHONE_NUMBER_RECENTLY_SWAPPED");
  CHECK(w.sms(recent) == 0);
  CHECK(w.events("swap_block").find("sim_swap") != std::string::npos);
  CHECK(w.events("swap_block").find("refused") != std::string::npos);

  const HttpResponse flagged = w.create("swap_flag", recent);
  REQUIRE(flagged.status == 201);
  CHECK(flagged.json()["signals"]["sim_swap"]["result"] == "swapped");
  CHECK(flagged.json()["signals"]["flagged"] == true);
  CHECK(w.sms(recent) == 1);
  // GET shows what the create found.
  const std::string id = flagged.json()["id"];
  const HttpResponse read =
      http_get(w.p->base_url() + "/v1/verifications/" + id, {bearer(w.brands.key("swap_flag"))});
  CHECK(read.json()["signals"] == flagged.json()["signals"]);

  const std::string old = w.swapped(240);  // 10 days ago: outside the 24 h window
  const HttpResponse passed = w.create("swap_block", old);
  REQUIRE(passed.status == 201);
  CHECK(passed.json()["signals"]["sim_swap"]["result"] == "clear");
  CHECK(passed.json()["signals"]["flagged"] == false);
  const std::string never = w.swapped(std::nullopt);
  CHECK(w.create("swap_block", never).json()["signals"]["sim_swap"]["result"] == "clear");
  // Four creates asked; one token served them all.
  CHECK(w.op.calls(Endpoint::sim_swap) == 4);
  CHECK(w.op.calls(Endpoint::token) == 1);
  CHECK(w.op.request_problems().empty());
}

TEST_CASE("the operator failing follows on_error and the token is refetched once it expires",
          "[e2e][signals]") {
  SignalsWorld w;
  const std::string phone = w.swapped(2);
  SECTION("500") {
    w.op.fail(Endpoint::sim_swap, {.status = 500}, 2);
  }
  SECTION("a hang past the deadline") {
    w.op.fail(Endpoint::sim_swap, {.hang = true}, 2);
  }
  SECTION("401 even with a fresh token") {
    w.op.fail(Endpoint::sim_swap, {.status = 401}, 4);
  }
  // allow: sent anyway, the failure kept as an error.
  const HttpResponse allowed = w.create("swap_block", phone);
  REQUIRE(allowed.status == 201);
  CHECK(allowed.json()["signals"]["sim_swap"]["result"] == "error");
  CHECK(w.sms(phone) == 1);
  // deny: refused, nothing sent.
  const std::string other = w.swapped(std::nullopt);
  require_error(w.create("swap_deny", other), 503, "NETWORK_SIGNAL_UNAVAILABLE");
  CHECK(w.sms(other) == 0);
  CHECK(w.events("swap_deny").find("signal_error") != std::string::npos);
  // Healthy again: the swap is seen.
  w.op.clear_faults();
  require_error(w.create("swap_block", phone), 403, "PHONE_NUMBER_RECENTLY_SWAPPED");
  CHECK(w.op.request_problems().empty());
}

TEST_CASE("an expired token is fetched again once and the create goes on", "[e2e][signals]") {
  SignalsWorld w;
  REQUIRE(w.create("swap_block", w.swapped(std::nullopt)).status == 201);
  CHECK(w.op.calls(Endpoint::token) == 1);
  w.op.expire_tokens();
  const std::string recent = w.swapped(1);
  require_error(w.create("swap_block", recent), 403, "PHONE_NUMBER_RECENTLY_SWAPPED");
  CHECK(w.op.calls(Endpoint::token) == 2);
  REQUIRE(w.create("swap_block", w.swapped(std::nullopt)).status == 201);
  CHECK(w.op.calls(Endpoint::token) == 2);
}

TEST_CASE("an operator that is down opens the circuit and creates still succeed",
          "[e2e][signals]") {
  SignalsWorld w(300, 3);
  w.op.fail(Endpoint::sim_swap, {.hang = true}, -1);
  for (int i = 0; i < 6; ++i) {
    const HttpResponse r = w.create("swap_block", w.swapped(2));
    REQUIRE(r.status == 201);
    CHECK(r.json()["signals"]["sim_swap"]["result"] == "error");
  }
  // Three calls opened the circuit; the other three creates did not call.
  CHECK(w.op.calls(Endpoint::sim_swap) == 3);
}

TEST_CASE("kyc results map to the policy and the customer's data is kept nowhere",
          "[e2e][signals]") {
  SignalsWorld w;
  const std::string phone = fresh_phone();
  w.op.set_kyc(
      phone,
      {{"givenName", {"Ada", 40}}, {"familyName", {"Lovelace", 60}}, {"postalCode", {"10115"}}});
  const std::string marker = unique_brand_now("kq");
  SECTION("all match: both pass") {
    const HttpResponse r = w.create("kyc_flag", phone, ada);
    REQUIRE(r.status == 201);
    const json s = r.json()["signals"];
    CHECK(s["kyc"]["result"] == "match");
    CHECK(s["kyc"]["fields"]["given_name"]["match"] == "true");
    CHECK(s["flagged"] == false);
    CHECK(w.create("kyc_block", phone, ada).status == 201);
  }
  SECTION("a wrong given name: flagged with its score, blocked when must_match holds") {
    json partly = ada;
    partly["given_name"] = "Grace" + marker;
    const HttpResponse r = w.create("kyc_flag", phone, partly);
    REQUIRE(r.status == 201);
    const json s = r.json()["signals"];
    CHECK(s["kyc"]["result"] == "mismatch");
    CHECK(s["kyc"]["fields"]["given_name"] == json({{"match", "false"}, {"score", 40}}));
    CHECK(s["flagged"] == true);
    // kyc_block needs family_name and two matches: family_name and postal_code still match.
    CHECK(w.create("kyc_block", phone, partly).status == 201);
    json wrong_family = ada;
    wrong_family["family_name"] = "Byron" + marker;
    require_error(w.create("kyc_block", phone, wrong_family), 403, "IDENTITY_MISMATCH");
    CHECK(r.body.find(marker) == std::string::npos);
  }
  SECTION("fields the operator does not hold are not_available") {
    json more = ada;
    more["email"] = "ada" + marker + "@example.com";
    const HttpResponse r = w.create("kyc_flag", phone, more);
    REQUIRE(r.status == 201);
    CHECK(r.json()["signals"]["kyc"]["fields"]["email"]["match"] == "not_available");
    CHECK(r.json()["signals"]["kyc"]["result"] == "match");
  }
  CHECK(w.op.request_problems().empty());
  CHECK(w.p->log_text().find(marker) == std::string::npos);
  CHECK(w.p->log_text().find("Lovelace") == std::string::npos);
  CHECK(redis_keys_containing(marker) == 0);
  CHECK(w.events("kyc_flag").find("Lovelace") == std::string::npos);
}

TEST_CASE("a retry under its Idempotency-Key answers as the first request whatever the operator",
          "[e2e][signals]") {
  SignalsWorld w;
  const std::string phone = fresh_phone();
  w.op.set_kyc(phone, {{"familyName", {"Lovelace", 60}}, {"givenName", {"Ada", 40}}});
  w.op.set_sim_swap(phone, std::nullopt);
  const auto create = [&](const std::string& policy, const json& customer) {
    return http_post_json(w.p->base_url() + "/v1/verifications",
                          {{"phone_number", phone}, {"customer", customer}},
                          {bearer(w.brands.key(policy)), {"Idempotency-Key", "order-51"}});
  };
  const HttpResponse first = create("swap_deny", ada);
  REQUIRE(first.status == 201);
  // The operator fails now and the brand denies on error: the retry still gets its verification.
  w.op.fail(Endpoint::sim_swap, {.status = 500}, -1);
  const HttpResponse again = create("swap_deny", ada);
  REQUIRE(again.status == 200);
  CHECK(again.header("idempotent-replayed") == "true");
  CHECK(again.json()["id"] == first.json()["id"]);
  // Other customer data under the same key is another request: 409, not a signal's answer.
  json other = ada;
  other["family_name"] = "Byron";
  require_error(create("swap_deny", other), 409, "IDEMPOTENCY_KEY_REUSED");
  CHECK(w.op.calls(Endpoint::sim_swap) == 1);
  CHECK(w.sms(phone) == 1);
}

TEST_CASE("refused creates are rate limited so the operator's answers are no oracle",
          "[e2e][signals]") {
  SignalsWorld w;
  const std::string phone = fresh_phone();
  w.op.set_kyc(phone, {{"familyName", {"Lovelace", 60}}, {"birthdate", {"1815-12-10"}}});
  json probe = {{"family_name", "Byron"}};
  // The brand's phone limit: 5 sends per 10 minutes (brand_from_json's default).
  for (int i = 0; i < 5; ++i)
    require_error(w.create("kyc_block", phone, probe), 403, "IDENTITY_MISMATCH");
  const HttpResponse limited = w.create("kyc_block", phone, probe);
  require_error(limited, 429, "TOO_MANY_REQUESTS");
  CHECK(limited.json()["limit"] == "phone");
  CHECK(!limited.header("retry-after").empty());
  CHECK(w.op.calls(Endpoint::kyc) == 5);
  CHECK(w.sms(phone) == 0);
}

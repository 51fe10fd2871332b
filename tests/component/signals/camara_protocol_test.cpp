// The CAMARA wire format (signals/camara_protocol.hpp) and the answer cache: bodies built,
// answers read, every spec-breaking answer an operator_error, keys without customer data.
#include "otpgate/signals/camara_protocol.hpp"
#include "otpgate/signals/result_cache.hpp"
#include "otpgate/signals/token_cache.hpp"

#include "otpgate/crypto/digest.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace otpgate;
using namespace otpgate::signals;
using json = nlohmann::json;

namespace {

OperatorConfig op() {
  OperatorConfig c;
  c.id = "telco";
  c.base_url = "https://api.telco.example";
  c.token_url = "https://auth.telco.example/token";
  c.client_id = "otp gate";
  c.client_secret = Secret<std::string>("s:cret");
  c.scope = "sim-swap";
  return c;
}

const Customer customer{{{KycField::given_name, "Erika"}, {KycField::birthdate, "1964-08-12"}}};

}  // namespace

TEST_CASE("camara: the requests", "[signals]") {
  const HttpRequest s = sim_swap_request(op(), "+4915112300001", 72);
  CHECK(s.url == "https://api.telco.example/sim-swap/v2/check");
  CHECK(json::parse(s.body) == json{{"phoneNumber", "+4915112300001"}, {"maxAge", 72}});
  const HttpRequest k = kyc_request(op(), "+4915112300001", customer);
  CHECK(k.url == "https://api.telco.example/kyc-match/v0.4/match");
  CHECK(json::parse(k.body) == json{{"phoneNumber", "+4915112300001"},
                                    {"givenName", "Erika"},
                                    {"birthdate", "1964-08-12"}});
  const HttpRequest t = token_request(op());
  CHECK(t.body == "grant_type=client_credentials&scope=sim-swap");
  // RFC 6749 §2.3.1: form-encoded, then Basic.
  CHECK(t.headers.back().second == "Basic " + crypto::base64_encode("otp%20gate:s%3Acret"));
}

TEST_CASE("camara: statuses", "[signals]") {
  CHECK_FALSE(failure_of_status(200));
  CHECK(failure_of_status(401) == SignalFailure::unauthorized);
  CHECK(failure_of_status(403) == SignalFailure::unauthorized);
  CHECK(failure_of_status(404) == SignalFailure::rejected);
  CHECK(failure_of_status(422) == SignalFailure::rejected);
  CHECK(failure_of_status(500) == SignalFailure::operator_error);
  CHECK(failure_of_status(302) == SignalFailure::operator_error);
  CHECK(circuit_outcome(std::nullopt, 200) == SendOutcome::accepted);
  CHECK(circuit_outcome(SignalFailure::timeout, 0) == SendOutcome::transient);
  CHECK(circuit_outcome(SignalFailure::unreachable, 0) == SendOutcome::transient);
  CHECK(circuit_outcome(SignalFailure::operator_error, 503) == SendOutcome::transient);
  CHECK(circuit_outcome(SignalFailure::operator_error, 200) == SendOutcome::permanent);
  CHECK(circuit_outcome(SignalFailure::rejected, 404) == SendOutcome::permanent);
  CHECK(circuit_outcome(SignalFailure::unauthorized, 401) == SendOutcome::permanent);
}

TEST_CASE("camara: SIM swap answers", "[signals]") {
  CHECK(parse_sim_swap(R"({"swapped": true})").swapped);
  CHECK_FALSE(parse_sim_swap(R"({"swapped": false})").failure);
  for (const char* bad : {"", "[]", "{}", R"({"swapped": "true"})", R"({"swapped": 1})", "{"})
    CHECK(parse_sim_swap(bad).failure == SignalFailure::operator_error);
}

TEST_CASE("camara: KYC answers", "[signals]") {
  const KycAnswer a = parse_kyc(
      R"({"givenNameMatch": "false", "givenNameMatchScore": 87, "idDocumentMatch": "true"})",
      customer);
  REQUIRE_FALSE(a.failure);
  REQUIRE(a.fields.size() == 2);
  CHECK(a.fields[0].match == KycMatch::no);
  CHECK(a.fields[0].score == 87);
  CHECK(a.fields[1].field == KycField::birthdate);
  CHECK(a.fields[1].match == KycMatch::not_available);  // left out
  // A score beside "true" is not the spec's; it is ignored.
  CHECK_FALSE(parse_kyc(R"({"givenNameMatch": "true", "givenNameMatchScore": 87})", customer)
                  .fields[0]
                  .score);
  for (const char* bad : {"", "[]", R"({"givenNameMatch": true})", R"({"givenNameMatch": "yes"})",
                          R"({"givenNameMatch": "false", "givenNameMatchScore": 100})",
                          R"({"givenNameMatch": "false", "givenNameMatchScore": "80"})"})
    CHECK(parse_kyc(bad, customer).failure == SignalFailure::operator_error);
}

TEST_CASE("camara: token answers", "[signals]") {
  const auto t =
      parse_token(R"({"access_token": "abc", "token_type": "bearer", "expires_in": 3600})");
  REQUIRE(std::holds_alternative<Token>(t));
  CHECK(std::get<Token>(t).expires_in_ms == 3'600'000);
  for (const char* bad : {"{}", R"({"access_token": "abc", "token_type": "mac"})",
                          R"({"access_token": "", "token_type": "Bearer"})",
                          R"({"access_token": "abc", "token_type": "Bearer", "expires_in": 0})"})
    CHECK(std::get<SignalFailure>(parse_token(bad)) == SignalFailure::operator_error);
  CHECK(refresh_margin_ms(3'600'000) == 30'000);
  CHECK(refresh_margin_ms(100'000) == 10'000);
}

TEST_CASE("camara: cache keys hold no customer data and differ per customer", "[signals]") {
  const std::string key = kyc_key("telco", "+4915112300001", customer);
  CHECK(key.find("Erika") == std::string::npos);
  CHECK(key.find("1964") == std::string::npos);
  const Customer other{{{KycField::given_name, "Erik"}, {KycField::birthdate, "a1964-08-12"}}};
  CHECK(kyc_key("telco", "+4915112300001", other) != key);
  CHECK(kyc_key("telco", "+4915112300001", customer) == key);
  CHECK(sim_swap_key("telco", "+4915112300001", 240) !=
        sim_swap_key("telco", "+4915112300001", 24));
}

TEST_CASE("camara: the answer cache expires and stays bounded", "[signals]") {
  ResultCache cache(2);
  cache.put("a", SimSwapAnswer{.swapped = true}, 1000, 100);
  CHECK(std::get<SimSwapAnswer>(*cache.find("a", 1099)).swapped);
  CHECK_FALSE(cache.find("a", 1100));
  cache.put("b", SimSwapAnswer{}, 1000, 500);                 // until 1500
  cache.put("c", SimSwapAnswer{.swapped = true}, 1200, 400);  // full: "a" expired, goes
  CHECK(cache.size() == 2);
  CHECK(cache.find("b", 1200));
  cache.put("d", SimSwapAnswer{}, 1200, 100);  // full: the one closest to expiry ("b") goes
  CHECK(cache.size() == 2);
  CHECK_FALSE(cache.find("b", 1200));
  CHECK(std::get<SimSwapAnswer>(*cache.find("c", 1200)).swapped);
  CHECK(cache.find("d", 1200));
  cache.put("f", SimSwapAnswer{}, 1200, 0);  // 0: not kept
  CHECK_FALSE(cache.find("f", 1200));
}

// The verification answer's text (api/verification_json.cpp): written field by field, it must be
// the bytes nlohmann's dump of the same document gives (keys sorted, no spaces, escapes, invalid
// UTF-8 replaced), as the answers were when the document was built and dumped; and the fields
// must say what the record says.
#include "otpgate/api/errors.hpp"
#include "otpgate/api/router.hpp"
#include "otpgate/core/order.hpp"
#include "otpgate/core/signals.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using namespace otpgate;
using json = nlohmann::json;

namespace {

constexpr std::int64_t t0 = 1'764'756'000'000;  // 2025-12-03T10:00:00Z

VerificationRecord pending_record() {
  VerificationRecord r;
  r.id = VerificationId::make("abcdefghij", "klmnopqrstuvwxyz234567abcd");
  r.brand = "nordwind";
  r.phone = *PhoneNumber::parse_e164("+4915112345678");
  r.country = "DE";
  r.locale = "de";
  r.created_ms = t0;
  r.expires_ms = t0 + 300'000;
  r.max_attempts = 5;
  r.attempts_used = 1;
  r.sends = 1;
  r.max_sends = 3;
  r.resend_cooldown_ms = 30'000;
  r.last_send_ms = t0;
  r.delivery_status = DeliveryStatus::accepted;
  r.gateway = "file";
  r.message_id = "file-1";
  return r;
}

std::string canonical(const std::string& text) {
  return json::parse(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

TEST_CASE("verification answer: the fields of a pending verification, in dump's form",
          "[component][api]") {
  const VerificationRecord r = pending_record();
  const std::string text = api::verification_json_text(r, t0 + 1'000);
  CHECK(text == canonical(text));
  const json j = json::parse(text);
  CHECK(j["id"] == r.id.str());
  CHECK(j["brand"] == "nordwind");
  CHECK(j["purpose"] == "checkout");
  CHECK(j["status"] == "pending");
  CHECK(j["phone_number"] == "+49151*****678");
  CHECK(j["locale"] == "de");
  CHECK(j["created_at"] == "2025-12-03T10:00:00.000Z");
  CHECK(j["expires_at"] == "2025-12-03T10:05:00.000Z");
  CHECK(j["approved_at"].is_null());
  CHECK(j["resend_available_at"] == "2025-12-03T10:00:30.000Z");
  CHECK(j["attempts_left"] == 4);
  CHECK(j["sends_left"] == 2);
  CHECK(j["delivery"] ==
        json{{"status", "accepted"}, {"gateway", "file"}, {"message_id", "file-1"}});
  CHECK(j["order"].is_null());
  CHECK(j["metadata"].is_null());
  CHECK(j["signals"].is_null());
  CHECK(j.size() == 16);
}

TEST_CASE("verification answer: an error's body with the verification, in dump's form",
          "[component][api]") {
  const VerificationRecord r = pending_record();
  const std::string verification = api::verification_json_text(r, t0 + 1'000);
  for (const json& details : {json::object(), json{{"attempts_left", 3}},
                              json{{"attempts_left", 0}, {"field", "code"}, {"limit", "phone"}}}) {
    http::Response answer = api::error_response(errc::code_invalid, "Wrong code \"x\"", details);
    api::append_verification(answer.body, verification);
    INFO(answer.body);
    CHECK(answer.body == canonical(answer.body));  // "verification" sorts last
    const json j = json::parse(answer.body);
    CHECK(j["code"] == "CODE_INVALID");
    CHECK(j["verification"] == json::parse(verification));
    for (const auto& [key, value] : details.items()) CHECK(j[key] == value);
  }
}

TEST_CASE("verification answer: finished, with order, metadata, signals and odd strings",
          "[component][api]") {
  VerificationRecord r = pending_record();
  r.status = Status::approved;
  r.finished_ms = t0 + 20'000;
  r.message_id = "";
  Order order;
  order.id = "A-1\"\\\n\x01";
  order.amount = Amount::parse("12.50");
  order.currency = "EUR";
  order.payee = "Caf\xc3\xa9 \xe2\x82\xac";
  r.order = order;
  r.metadata_json = R"({"z":1,"a":{"y":"\u00e9","b":[1,2]}})";
  SignalResults s;
  s.sim_swap = SignalOutcome::clear;
  s.kyc = SignalOutcome::mismatch;
  s.kyc_fields = {{KycField::given_name, KycMatch::no, 80}};
  s.flagged = true;
  r.signals = s;
  // A gateway's name and id are outside text: quotes, control characters, invalid UTF-8.
  const std::vector<std::string> odd = {"plain",
                                        "qu\"ote",
                                        "back\\slash",
                                        "tab\there",
                                        std::string("nul\0x", 5),
                                        "\x7f\x1f",
                                        "\xff\xfe bad utf-8",
                                        "caf\xc3\xa9",
                                        "\xe2\x82"};
  for (const std::string& gateway : odd) {
    r.gateway = gateway;
    r.message_id = gateway;
    const std::string text = api::verification_json_text(r, t0 + 30'000);
    INFO(text);
    CHECK(text == canonical(text));
    const json j = json::parse(text);
    CHECK(j["status"] == "approved");
    CHECK(j["approved_at"] == "2025-12-03T10:00:20.000Z");
    CHECK(j["attempts_left"] == 0);
    CHECK(j["sends_left"] == 0);
    CHECK(j["resend_available_at"].is_null());
    CHECK(j["order"] == order_to_json(order));
    CHECK(j["metadata"] == json::parse(r.metadata_json));
    CHECK(j["signals"] == signals_to_json(s));
    const json as_dumped =
        json::parse(json(gateway).dump(-1, ' ', false, json::error_handler_t::replace));
    CHECK(j["delivery"]["gateway"] == as_dumped);
    CHECK(j["delivery"]["message_id"] == as_dumped);
  }
}

// VerificationService::create with the brand's network signals (src/app/verification_signals.cpp):
// what the operator's answers make of a create (refused before anything is stored or sent, or
// let through with its results), what reaches the operator, and what the events carry.
#include "app/service_world.hpp"

using namespace otpgate;
using namespace otpgate::test;

namespace {

void require_sim_swap(ServiceWorld& w, SignalAction action, SignalOnError on_error) {
  w.brand.signals.sim_swap = SimSwapPolicy{
      .operator_id = "telco", .max_age_hours = 72, .action = action, .on_error = on_error};
  w.publish();
}

void require_kyc(ServiceWorld& w, std::vector<KycField> must, int min, SignalAction action) {
  w.brand.signals.kyc = KycPolicy{.operator_id = "telco",
                                  .must_match = std::move(must),
                                  .min_matches = min,
                                  .action = action,
                                  .on_error = SignalOnError::allow};
  w.publish();
}

CreateCommand with_customer_to(ServiceWorld& w, const std::string& phone) {
  CreateCommand cmd = w.command(phone);
  cmd.customer = Customer{{{KycField::given_name, "Ada"}, {KycField::family_name, "Lovelace"}}};
  return cmd;
}

CreateCommand with_customer(ServiceWorld& w) {
  return with_customer_to(w, "+4915112345678");
}

std::size_t sms_sent(ServiceWorld& w) {
  return w.gateways["alpha"].sent.size() + w.gateways["beta"].sent.size();
}

}  // namespace

TEST_CASE("a brand without a signals policy asks the operator nothing", "[app][service][signals]") {
  ServiceWorld w;
  const Answer a = w.create(with_customer(w));
  REQUIRE(a.error == errc::ok);
  CHECK(w.signals.asked.empty());
  CHECK_FALSE(a.record->signals);
  CHECK(w.events.last(EventType::created)->sim_swap.empty());
}

TEST_CASE("a recent swap with action block refuses the create before storing or sending",
          "[app][service][signals]") {
  ServiceWorld w;
  require_sim_swap(w, SignalAction::block, SignalOnError::allow);
  w.signals.sim_swap = SimSwapAnswer{.swapped = true};
  const Answer a = w.create();
  CHECK(a.error == errc::phone_recently_swapped);
  CHECK_FALSE(a.record);
  CHECK(w.store.records.empty());
  CHECK(sms_sent(w) == 0);
  REQUIRE(w.signals.asked.size() == 1);
  CHECK(w.signals.asked[0].phone_e164 == "+4915112345678");
  CHECK(w.signals.asked[0].sim_swap->max_age_hours == 72);
  CHECK(w.signals.asked[0].sim_swap->operator_id == "telco");
  CHECK(w.events.types() == std::vector<EventType>{EventType::refused});
  const Event refused = *w.events.last(EventType::refused);
  CHECK(refused.reason == "sim_swap");
  CHECK(refused.sim_swap == "swapped");
  CHECK_FALSE(refused.flagged);
}

TEST_CASE("a recent swap with action flag sends and keeps the flag", "[app][service][signals]") {
  ServiceWorld w;
  require_sim_swap(w, SignalAction::flag, SignalOnError::allow);
  w.signals.sim_swap = SimSwapAnswer{.swapped = true};
  const Answer a = w.create();
  REQUIRE(a.error == errc::ok);
  REQUIRE(a.record->signals);
  CHECK(a.record->signals->sim_swap == SignalOutcome::swapped);
  CHECK(a.record->signals->flagged);
  CHECK(w.store.records.at(a.record->id.str()).signals->flagged);
  CHECK(sms_sent(w) == 1);
  const Event created = *w.events.last(EventType::created);
  CHECK(created.sim_swap == "swapped");
  CHECK(created.flagged);
  // Only the created event carries the signals.
  CHECK(w.events.last(EventType::sent)->sim_swap.empty());
}

TEST_CASE("an old swap passes clear", "[app][service][signals]") {
  ServiceWorld w;
  require_sim_swap(w, SignalAction::block, SignalOnError::deny);
  w.signals.sim_swap = SimSwapAnswer{.swapped = false};
  const Answer a = w.create();
  REQUIRE(a.error == errc::ok);
  CHECK(a.record->signals->sim_swap == SignalOutcome::clear);
  CHECK_FALSE(a.record->signals->flagged);
  CHECK(w.events.last(EventType::created)->sim_swap == "clear");
}

TEST_CASE("an operator failure follows on_error", "[app][service][signals]") {
  ServiceWorld w;
  w.signals.sim_swap = SimSwapAnswer{.failure = SignalFailure::timeout};
  SECTION("allow: sent, with the error kept") {
    require_sim_swap(w, SignalAction::block, SignalOnError::allow);
    const Answer a = w.create();
    REQUIRE(a.error == errc::ok);
    CHECK(a.record->signals->sim_swap == SignalOutcome::error);
    CHECK(w.events.last(EventType::created)->sim_swap == "error");
    CHECK(sms_sent(w) == 1);
  }
  SECTION("deny: refused as unavailable") {
    require_sim_swap(w, SignalAction::block, SignalOnError::deny);
    const Answer a = w.create();
    CHECK(a.error == errc::signal_unavailable);
    CHECK(w.store.records.empty());
    CHECK(sms_sent(w) == 0);
    CHECK(w.events.last(EventType::refused)->reason == "signal_error");
    CHECK(w.events.last(EventType::refused)->sim_swap == "error");
  }
}

TEST_CASE("a service without an operator fails every signal as not configured",
          "[app][service][signals]") {
  ServiceWorld w;
  VerificationService bare{ServiceDeps{w.registry, w.store, w.limits, w.events, w.dispatcher,
                                       w.clock, w.random, w.keys, 60'000}};
  require_sim_swap(w, SignalAction::block, SignalOnError::deny);
  CHECK(w.run(bare.create(w.command())).error == errc::signal_unavailable);
  require_sim_swap(w, SignalAction::block, SignalOnError::allow);
  const Answer a = w.run(bare.create(w.command()));
  REQUIRE(a.error == errc::ok);
  CHECK(a.record->signals->sim_swap == SignalOutcome::error);
}

TEST_CASE("kyc passes the customer to the operator and keeps only the results",
          "[app][service][signals]") {
  ServiceWorld w;
  require_kyc(w, {KycField::family_name}, 1, SignalAction::flag);
  w.signals.kyc = KycAnswer{.fields = {{KycField::given_name, KycMatch::no, 61},
                                       {KycField::family_name, KycMatch::yes, std::nullopt}}};
  const Answer a = w.create(with_customer(w));
  REQUIRE(a.error == errc::ok);
  REQUIRE(w.signals.asked.size() == 1);
  REQUIRE(w.signals.asked[0].kyc);
  CHECK(w.signals.asked[0].kyc->customer.fields.size() == 2);
  CHECK_FALSE(w.signals.asked[0].sim_swap);  // the brand asks no SIM swap
  REQUIRE(a.record->signals);
  CHECK(a.record->signals->kyc == SignalOutcome::match);
  CHECK_FALSE(a.record->signals->flagged);
  REQUIRE(a.record->signals->kyc_fields.size() == 2);
  CHECK(a.record->signals->kyc_fields[0].score == 61);
  CHECK(w.events.last(EventType::created)->kyc == "match");
  // The customer's values are nowhere in the record or the events.
  const std::string stored =
      signals_to_json(*w.store.records.at(a.record->id.str()).signals).dump();
  CHECK(stored.find("Ada") == std::string::npos);
  CHECK(stored.find("Lovelace") == std::string::npos);
  for (const Event& e : w.events.events)
    for (const auto& [k, v] : event_fields(e)) {
      CHECK(v.find("Ada") == std::string::npos);
      CHECK(v.find("Lovelace") == std::string::npos);
    }
}

TEST_CASE("a kyc mismatch blocks or flags by the policy", "[app][service][signals]") {
  ServiceWorld w;
  w.signals.kyc =
      KycAnswer{.fields = {{KycField::given_name, KycMatch::yes, std::nullopt},
                           {KycField::family_name, KycMatch::not_available, std::nullopt}}};
  SECTION("block") {
    require_kyc(w, {KycField::family_name}, 0, SignalAction::block);
    const Answer a = w.create(with_customer(w));
    CHECK(a.error == errc::identity_mismatch);
    CHECK(w.store.records.empty());
    CHECK(sms_sent(w) == 0);
    CHECK(w.events.last(EventType::refused)->reason == "kyc");
    CHECK(w.events.last(EventType::refused)->kyc == "mismatch");
  }
  SECTION("flag") {
    require_kyc(w, {KycField::family_name}, 0, SignalAction::flag);
    const Answer a = w.create(with_customer(w));
    REQUIRE(a.error == errc::ok);
    CHECK(a.record->signals->kyc == SignalOutcome::mismatch);
    CHECK(a.record->signals->flagged);
    CHECK(sms_sent(w) == 1);
  }
  SECTION("no customer: kyc not asked") {
    require_kyc(w, {KycField::family_name}, 0, SignalAction::block);
    const Answer a = w.create();
    REQUIRE(a.error == errc::ok);
    CHECK(w.signals.asked.empty());
    CHECK_FALSE(a.record->signals);
  }
}

TEST_CASE("a create refused for its country asks the operator nothing", "[app][service][signals]") {
  ServiceWorld w;
  require_sim_swap(w, SignalAction::block, SignalOnError::allow);
  CreateCommand cmd = w.command("+33612345678");
  cmd.country = "FR";
  CHECK(w.create(cmd).error == errc::phone_not_allowed);
  CHECK(w.signals.asked.empty());
}

TEST_CASE("the caller's own text is sent with the code and no autofill line",
          "[app][service][signals]") {
  ServiceWorld w;
  w.brand.webotp_domain = "shop.example";
  w.publish();
  CreateCommand cmd = w.command();
  cmd.message_text = "Your code: {{code}}. Again: {{code}}";
  const Answer a = w.create(cmd);
  REQUIRE(a.error == errc::ok);
  const std::string code = w.code_of(a);
  REQUIRE(w.gateways["alpha"].sent.size() == 1);
  CHECK(w.gateways["alpha"].sent[0].text.reveal() == "Your code: " + code + ". Again: " + code);
  CHECK(w.store.records.at(a.record->id.str()).message_text == cmd.message_text);
}

TEST_CASE("a retry with a known Idempotency-Key is answered by the store without asking again",
          "[app][service][signals]") {
  ServiceWorld w;
  require_sim_swap(w, SignalAction::block, SignalOnError::deny);
  CreateCommand cmd = w.command();
  cmd.idempotency_key = "order-9";
  cmd.body = R"({"phone_number":"+4915112345678"})";
  const Answer first = w.create(cmd);
  REQUIRE(first.error == errc::ok);
  CHECK(w.signals.asked.size() == 1);
  // The operator is gone now, and on_error is deny: the replay still answers as the first did.
  w.signals.sim_swap = SimSwapAnswer{.failure = SignalFailure::unreachable};
  const Answer again = w.create(cmd);
  CHECK(again.error == errc::ok);
  CHECK(again.replayed);
  CHECK(w.signals.asked.size() == 1);
  // Another body under the key is a conflict, not a signal's refusal.
  cmd.body = R"({"phone_number":"+4915112345678","customer":{"given_name":"X"}})";
  CHECK(w.create(cmd).error == errc::idempotency_conflict);
  CHECK(w.signals.asked.size() == 1);
  CHECK(sms_sent(w) == 1);
}

TEST_CASE("refused creates spend the probe budget so the answers are no oracle",
          "[app][service][signals]") {
  ServiceWorld w;
  w.brand.limits.phone_per_10_minutes.count = 3;
  require_kyc(w, {KycField::family_name}, 0, SignalAction::block);
  w.signals.kyc = KycAnswer{.fields = {{KycField::family_name, KycMatch::no, 10}}};
  for (int i = 0; i < 3; ++i) CHECK(w.create(with_customer(w)).error == errc::identity_mismatch);
  const Answer limited = w.create(with_customer(w));
  CHECK(limited.error == errc::too_many_requests);
  CHECK(limited.limit == "phone");
  CHECK(limited.retry_after_ms > 0);
  CHECK(w.signals.asked.size() == 3);  // the fourth was not asked
  CHECK(w.events.last(EventType::rate_limited)->limit == "phone");
  // Another number has its own budget.
  CHECK(w.create(with_customer_to(w, "+4915112345679")).error == errc::identity_mismatch);
}

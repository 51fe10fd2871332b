#include "otpgate/core/signals.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace otpgate;

namespace {

SimSwapPolicy sim_swap_policy(SignalAction action, SignalOnError on_error) {
  return SimSwapPolicy{
      .operator_id = "op", .max_age_hours = 48, .action = action, .on_error = on_error};
}

KycPolicy kyc_policy(std::vector<KycField> must, int min, SignalAction action,
                     SignalOnError on_error = SignalOnError::allow) {
  return KycPolicy{.operator_id = "op",
                   .must_match = std::move(must),
                   .min_matches = min,
                   .action = action,
                   .on_error = on_error};
}

KycAnswer kyc_answer(std::vector<KycFieldResult> fields) {
  return KycAnswer{.failure = std::nullopt, .fields = std::move(fields)};
}

SimSwapAnswer swapped(bool yes) {
  return SimSwapAnswer{.failure = std::nullopt, .swapped = yes};
}

Customer customer_of(std::initializer_list<std::pair<KycField, std::string>> fields) {
  return Customer{.fields = fields};
}

}  // namespace

TEST_CASE("kyc field names are the native and CAMARA names of one table", "[unit][signals]") {
  for (const auto& info : kyc_fields()) {
    REQUIRE(kyc_field_named(info.native) == info.field);
    REQUIRE(&kyc_field_info(info.field) == &info);
  }
  CHECK(kyc_field_info(KycField::given_name).camara == "givenName");
  CHECK(kyc_field_info(KycField::house_number_extension).camara == "houseNumberExtension");
  CHECK_FALSE(kyc_field_info(KycField::postal_code).has_score);
  CHECK(kyc_field_info(KycField::email).has_score);
  CHECK_FALSE(kyc_field_named("givenName"));  // the native API is snake_case
  CHECK_FALSE(kyc_field_named("id_document"));
}

TEST_CASE("customer values are checked per field", "[unit][signals]") {
  CHECK_FALSE(customer_value_problem(KycField::given_name, "Zoë"));
  CHECK(customer_value_problem(KycField::given_name, ""));
  CHECK(customer_value_problem(KycField::given_name, std::string(257, 'a')));
  CHECK_FALSE(customer_value_problem(KycField::given_name, std::string(256, 'a')));
  CHECK(customer_value_problem(KycField::family_name, "Doe\nX"));
  CHECK_FALSE(customer_value_problem(KycField::birthdate, "1990-02-28"));
  CHECK_FALSE(customer_value_problem(KycField::birthdate, "2000-02-29"));
  CHECK(customer_value_problem(KycField::birthdate, "1900-02-29"));
  CHECK(customer_value_problem(KycField::birthdate, "1990-13-01"));
  CHECK(customer_value_problem(KycField::birthdate, "1990-1-01"));
  CHECK(customer_value_problem(KycField::birthdate, "31.01.1990"));
  CHECK_FALSE(customer_value_problem(KycField::email, "a.b@example.com"));
  CHECK(customer_value_problem(KycField::email, "a@b"));
  CHECK(customer_value_problem(KycField::email, "a@@example.com"));
  CHECK(customer_value_problem(KycField::email, "a b@example.com"));
  CHECK_FALSE(customer_value_problem(KycField::country, "DE"));
  CHECK(customer_value_problem(KycField::country, "de"));
  CHECK(customer_value_problem(KycField::country, "DEU"));
  CHECK_FALSE(customer_value_problem(KycField::gender, "OTHER"));
  CHECK(customer_value_problem(KycField::gender, "male"));
}

TEST_CASE("a policy asks what it names and kyc only with a customer", "[unit][signals]") {
  SignalPolicy p;
  CHECK_FALSE(signal_query(p, "+4915112345678", std::nullopt));
  p.kyc = kyc_policy({}, 1, SignalAction::flag);
  CHECK_FALSE(signal_query(p, "+4915112345678", std::nullopt));
  auto q = signal_query(p, "+4915112345678", customer_of({{KycField::given_name, "Ada"}}));
  REQUIRE(q);
  CHECK_FALSE(q->sim_swap);
  REQUIRE(q->kyc);
  CHECK(q->kyc->customer.fields.size() == 1);
  p.sim_swap = sim_swap_policy(SignalAction::block, SignalOnError::allow);
  q = signal_query(p, "+4915112345678", std::nullopt);
  REQUIRE(q);
  REQUIRE(q->sim_swap);
  CHECK(q->sim_swap->max_age_hours == 48);
  CHECK(q->phone_e164 == "+4915112345678");
  CHECK_FALSE(q->kyc);
}

TEST_CASE("a recent swap blocks or flags by the policy's action", "[unit][signals]") {
  SignalPolicy p;
  p.sim_swap = sim_swap_policy(SignalAction::block, SignalOnError::allow);
  SignalAnswers a{.sim_swap = swapped(true)};
  auto v = decide_signals(p, a);
  REQUIRE(v.refuse == errc::phone_recently_swapped);
  CHECK(v.reason == "sim_swap");
  CHECK(v.results.sim_swap == SignalOutcome::swapped);
  CHECK_FALSE(v.results.flagged);

  p.sim_swap->action = SignalAction::flag;
  v = decide_signals(p, a);
  CHECK_FALSE(v.refuse);
  CHECK(v.results.flagged);
  CHECK(v.results.sim_swap == SignalOutcome::swapped);

  v = decide_signals(p, SignalAnswers{.sim_swap = swapped(false)});
  CHECK_FALSE(v.refuse);
  CHECK_FALSE(v.results.flagged);
  CHECK(v.results.sim_swap == SignalOutcome::clear);
}

TEST_CASE("an unanswered signal follows on_error", "[unit][signals]") {
  SignalPolicy p;
  p.sim_swap = sim_swap_policy(SignalAction::block, SignalOnError::allow);
  const SignalQuery q{.phone_e164 = "+4915112345678", .sim_swap = SignalQuery::SimSwap{"op", 48}};
  const SignalAnswers failed = unanswered(q, SignalFailure::timeout);
  REQUIRE(failed.sim_swap);
  CHECK(failed.sim_swap->failure == SignalFailure::timeout);
  CHECK_FALSE(failed.kyc);
  auto v = decide_signals(p, failed);
  CHECK_FALSE(v.refuse);
  CHECK(v.results.sim_swap == SignalOutcome::error);
  p.sim_swap->on_error = SignalOnError::deny;
  v = decide_signals(p, failed);
  CHECK(v.refuse == errc::signal_unavailable);
  CHECK(v.reason == "signal_error");
}

TEST_CASE("kyc is met by its must_match fields and min_matches", "[unit][signals]") {
  using enum KycField;
  SignalPolicy p;
  p.kyc = kyc_policy({family_name}, 2, SignalAction::block);
  const auto answer = [](KycMatch family, KycMatch given, KycMatch postal) {
    return SignalAnswers{.kyc = kyc_answer({{family_name, family, std::nullopt},
                                            {given_name, given, std::nullopt},
                                            {postal_code, postal, std::nullopt}})};
  };
  using enum KycMatch;
  CHECK(decide_signals(p, answer(yes, yes, no)).results.kyc == SignalOutcome::match);
  CHECK_FALSE(decide_signals(p, answer(yes, yes, no)).refuse);
  // The must_match field did not match: two other matches do not make up for it.
  auto v = decide_signals(p, answer(no, yes, yes));
  CHECK(v.results.kyc == SignalOutcome::mismatch);
  CHECK(v.refuse == errc::identity_mismatch);
  CHECK(v.reason == "kyc");
  // not_available is no match.
  CHECK(decide_signals(p, answer(yes, not_available, no)).refuse == errc::identity_mismatch);
  // A must_match field the request did not give cannot match.
  p.kyc->must_match = {birthdate};
  p.kyc->min_matches = 0;
  CHECK(decide_signals(p, answer(yes, yes, yes)).results.kyc == SignalOutcome::mismatch);
  p.kyc->must_match = {};
  p.kyc->action = SignalAction::flag;
  p.kyc->min_matches = 3;
  v = decide_signals(p, answer(yes, yes, no));
  CHECK_FALSE(v.refuse);
  CHECK(v.results.flagged);
  CHECK(v.results.kyc_fields.size() == 3);
}

TEST_CASE("the first refusal stands and a refused create is not flagged", "[unit][signals]") {
  SignalPolicy p;
  p.sim_swap = sim_swap_policy(SignalAction::flag, SignalOnError::allow);
  p.kyc = kyc_policy({KycField::given_name}, 0, SignalAction::block);
  const SignalAnswers a{.sim_swap = swapped(true),
                        .kyc = kyc_answer({{KycField::given_name, KycMatch::no, 42}})};
  const auto v = decide_signals(p, a);
  CHECK(v.refuse == errc::identity_mismatch);
  CHECK_FALSE(v.results.flagged);
  CHECK(v.results.sim_swap == SignalOutcome::swapped);
}

TEST_CASE("signal results survive their json form", "[unit][signals]") {
  SignalResults s;
  s.sim_swap = SignalOutcome::clear;
  s.kyc = SignalOutcome::mismatch;
  s.kyc_fields = {{KycField::given_name, KycMatch::no, 80},
                  {KycField::birthdate, KycMatch::yes, std::nullopt},
                  {KycField::email, KycMatch::not_available, std::nullopt}};
  s.flagged = true;
  const nlohmann::json j = signals_to_json(s);
  CHECK(j["sim_swap"]["result"] == "clear");
  CHECK(j["kyc"]["result"] == "mismatch");
  CHECK(j["kyc"]["fields"]["given_name"] == nlohmann::json({{"match", "false"}, {"score", 80}}));
  CHECK(j["kyc"]["fields"]["birthdate"] == nlohmann::json({{"match", "true"}}));
  CHECK(j["flagged"] == true);
  const auto back = signals_from_json(nlohmann::json::parse(j.dump()));
  REQUIRE(back);
  CHECK(signals_to_json(*back) == j);
  CHECK_FALSE(signals_from_json(nlohmann::json::parse("[1]")));
  // An unknown outcome reads as not asked, never as a different one.
  const auto odd = signals_from_json(nlohmann::json::parse(R"({"sim_swap":{"result":"x"}})"));
  REQUIRE(odd);
  CHECK_FALSE(odd->sim_swap);
}

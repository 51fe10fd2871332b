// The CAMARA rules of core/camara_otp.hpp: authenticationId, message, x-correlator, supersede.
#include "otpgate/core/camara_otp.hpp"

#include <catch2/catch.hpp>

using namespace otpgate;
using namespace otpgate::camara;

TEST_CASE("an authenticationId is the checkout id without vf_ and names it back",
          "[unit][camara]") {
  const auto id = VerificationId::make("abcdefghij", std::string(26, 'k'));
  const std::string auth = authentication_id(id);
  CHECK(auth.size() == authentication_id_max);
  CHECK(auth == "abcdefghij" + std::string(26, 'k'));
  REQUIRE(verification_of(auth));
  CHECK(*verification_of(auth) == id);
  // A support call's id has no authenticationId; texts no send-code answered name nothing.
  CHECK(authentication_id(
            VerificationId::make("abcdefghij", std::string(26, 'k'), Purpose::support_call))
            .empty());
  CHECK_FALSE(verification_of("vf_abcdefghij" + std::string(23, 'k')));
  CHECK_FALSE(verification_of(auth.substr(1)));
  CHECK_FALSE(verification_of("ABCDEFGHIJ" + std::string(26, 'K')));
  CHECK_FALSE(verification_of(""));
}

TEST_CASE("a message needs {{code}} and at most 160 characters", "[unit][camara]") {
  CHECK_FALSE(message_problem("{{code}} is your code"));
  CHECK(message_problem("message without code"));
  CHECK(message_problem("{{ code }} is not the label"));
  const std::string at_limit = "{{code}}" + std::string(152, 'x');
  CHECK_FALSE(message_problem(at_limit));
  CHECK(message_problem(at_limit + "x"));
  // Characters, not bytes: 152 two-byte letters fit.
  std::string umlauts = "{{code}}";
  for (int i = 0; i < 152; ++i) umlauts += "\xC3\xBC";
  CHECK_FALSE(message_problem(umlauts));
}

TEST_CASE("x-correlator follows the spec's pattern", "[unit][camara]") {
  CHECK(correlator_valid("b4333c46-49c0-4f62-80d7-f0ef930f1c46"));
  CHECK(correlator_valid("a:b;c.d/e<f>{g}_h"));
  CHECK(correlator_valid(std::string(256, 'a')));
  CHECK_FALSE(correlator_valid(std::string(257, 'a')));
  CHECK_FALSE(correlator_valid("has space"));
  CHECK_FALSE(correlator_valid("quote\""));
  CHECK_FALSE(correlator_valid("percent%"));
}

TEST_CASE("the later created send-code supersedes the other", "[unit][camara]") {
  const SupersedeState earlier{.created_ms = 1'000, .expires_ms = 301'000};
  const SupersedeState later{.created_ms = 2'000, .expires_ms = 302'000};
  const auto first = decide_supersede(std::nullopt, later);
  CHECK(first.newer_becomes_latest);
  CHECK(first.retire == Superseded::none);
  const auto normal = decide_supersede(earlier, later);
  CHECK(normal.newer_becomes_latest);
  CHECK(normal.retire == Superseded::latest);
  const auto race = decide_supersede(later, earlier);
  CHECK_FALSE(race.newer_becomes_latest);
  CHECK(race.retire == Superseded::newer);
  CHECK(decide_supersede(earlier, earlier).retire == Superseded::latest);
}

TEST_CASE("only a pending unexpired verification is retired, to now", "[unit][camara]") {
  const SupersedeState pending{.created_ms = 0, .expires_ms = 300'000};
  CHECK(retired_expiry(pending, 5'000) == std::optional<std::int64_t>(5'000));
  CHECK_FALSE(retired_expiry(pending, 300'000));
  for (Status s : {Status::approved, Status::failed, Status::expired, Status::cancelled,
                   Status::send_failed}) {
    SupersedeState done = pending;
    done.status = s;
    CHECK_FALSE(retired_expiry(done, 5'000));
  }
}

// The Idempotency-Key's syntax and the judgement of a key's entry (core/idempotency.hpp), the
// rule check.lua, resend.lua and cancel.lua follow (lua/_retry.lua).
#include "otpgate/core/idempotency.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace otpgate;

TEST_CASE("an Idempotency-Key is 1 to 255 visible ASCII characters", "[unit][idempotency]") {
  CHECK(valid_idempotency_key("order-4711"));
  CHECK(valid_idempotency_key(std::string(255, 'k')));
  CHECK_FALSE(valid_idempotency_key(""));
  CHECK_FALSE(valid_idempotency_key(std::string(256, 'k')));
  CHECK_FALSE(valid_idempotency_key("two words"));
  CHECK_FALSE(valid_idempotency_key("tab\tkey"));
  CHECK_FALSE(valid_idempotency_key("caf\xc3\xa9"));
}

TEST_CASE("a key without an entry performs, the same request replays, another conflicts",
          "[unit][idempotency]") {
  CHECK(judge_retry(std::nullopt, "fp") == RetryVerdict::perform);
  CHECK(judge_retry(std::string_view("fp"), "fp") == RetryVerdict::replay);
  CHECK(judge_retry(std::string_view("fp"), "other") == RetryVerdict::conflict);
  // An entry's fingerprint is never empty; an empty one is still another request's.
  CHECK(judge_retry(std::string_view(""), "fp") == RetryVerdict::conflict);
}

#include "otpgate/core/ascii.hpp"

#include <catch2/catch.hpp>

namespace otpgate {

TEST_CASE("iequals_ascii folds ASCII letters only", "[ascii]") {
  CHECK(iequals_ascii("Bearer", "bEARER"));
  CHECK(iequals_ascii("de-AT", "DE-at"));
  CHECK(iequals_ascii("", ""));
  CHECK_FALSE(iequals_ascii("gzip", "gzip "));
  CHECK_FALSE(iequals_ascii("gzip", "gzi"));
  // Not letters: '@' and '`' sit next to 'A' and 'a', '[' and '{' next to 'Z' and 'z'.
  CHECK_FALSE(iequals_ascii("@", "`"));
  CHECK_FALSE(iequals_ascii("[", "{"));
  // UTF-8 bytes are compared as they are: "É" (C3 89) is not "é" (C3 A9).
  CHECK_FALSE(iequals_ascii("\xC3\x89", "\xC3\xA9"));
}

}  // namespace otpgate

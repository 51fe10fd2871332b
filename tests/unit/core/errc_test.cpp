#include "otpgate/core/errc.hpp"

#include <catch2/catch.hpp>

using otpgate::errc;

TEST_CASE("errc converts to an error_code of the otpgate category", "[unit][errc]") {
  const boost::system::error_code ec = errc::not_found;
  CHECK(ec.category().name() == std::string("otpgate"));
  CHECK(ec == errc::not_found);
  CHECK(ec != errc::code_invalid);
  CHECK(ec.message() == "not found");
}

TEST_CASE("result carries either a value or an otpgate error", "[unit][errc]") {
  auto f = [](bool fail) -> otpgate::result<int> {
    if (fail) return errc::store_timeout;
    return 42;
  };
  CHECK(f(false).value() == 42);
  REQUIRE(f(true).has_error());
  CHECK(f(true).error() == errc::store_timeout);
}

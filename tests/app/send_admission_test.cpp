// The admission of a send (src/app/send_admission.cpp) on fakes of the ports: which brand-wide
// subjects a create asks the limiter for, and the public answer of each refusal.
#include "app/service_world.hpp"

using namespace otpgate;
using namespace otpgate::test;

TEST_CASE("a create with a client IP asks for the IP, prefix and brand limits in that order",
          "[app][admission]") {
  ServiceWorld w;
  CreateCommand cmd = w.command();
  cmd.client_ip = "198.51.100.7";
  REQUIRE(w.create(cmd).error == errc::ok);
  REQUIRE(w.limits.admissions.size() == 1);
  const SendAdmission& a = w.limits.admissions.front();
  CHECK(a.brand == "acme");
  REQUIRE(a.subjects.size() == 3);
  CHECK(a.subjects[0].scope == LimitScope::ip);
  CHECK(a.subjects[1].scope == LimitScope::prefix);
  CHECK(a.subjects[2].scope == LimitScope::brand);
  // The IP is never stored: its subject is a MAC of brand and IP.
  CHECK(a.subjects[0].id.size() == 64);
  CHECK(a.subjects[0].id.find("198.51") == std::string::npos);
  CHECK(a.subjects[0].rates.front().count == w.brand.limits.ip_per_hour.count);
  CHECK(a.subjects[1].id == "+49151");
  CHECK(a.pumping);
  CHECK(a.prefix == "+49151");
  CHECK(a.prefix_digits == 3);
}

TEST_CASE("without a client IP, with a disabled limit or a safelisted number, less is asked",
          "[app][admission]") {
  ServiceWorld w;
  w.brand.limits.prefix_per_hour = Rate{0, 3'600'000};
  w.brand.pumping.safelist = {"+49151"};
  w.publish();
  REQUIRE(w.create().error == errc::ok);
  REQUIRE(w.limits.admissions.size() == 1);
  const SendAdmission& a = w.limits.admissions.front();
  REQUIRE(a.subjects.size() == 1);
  CHECK(a.subjects[0].scope == LimitScope::brand);
  CHECK_FALSE(a.pumping);
}

TEST_CASE("the IP limit refuses the fourth create from one IP in words, never the IP",
          "[app][admission]") {
  ServiceWorld w;
  w.brand.limits.ip_per_hour = Rate{3, 3'600'000};
  w.publish();
  for (int i = 0; i < 3; ++i) {
    CreateCommand cmd = w.command("+4915112345" + std::to_string(600 + i));
    cmd.client_ip = "198.51.100.7";
    REQUIRE(w.create(cmd).error == errc::ok);
  }
  CreateCommand fourth = w.command("+4915112345699");
  fourth.client_ip = "198.51.100.7";
  const Answer refused = w.create(fourth);
  CHECK(refused.error == errc::too_many_requests);
  CHECK(refused.limit == "ip");
  CHECK(refused.retry_after_ms == 1'200'000);  // one more every 20 minutes
  CHECK(refused.message.find("client IP") != std::string::npos);
  CHECK(refused.message.find("198.51") == std::string::npos);
  // Another IP is not limited.
  fourth.client_ip = "198.51.100.8";
  CHECK(w.create(fourth).error == errc::ok);
}

TEST_CASE("each limit's refusal names its limit in the message", "[app][admission]") {
  ServiceWorld w;
  w.brand.limits.prefix_per_hour = Rate{1, 3'600'000};
  w.publish();
  REQUIRE(w.create("+4915112345678").error == errc::ok);
  const Answer prefix = w.create("+4915112345679");
  CHECK(prefix.limit == "prefix");
  CHECK(prefix.message.find("number range") != std::string::npos);
  CHECK(w.create("+4916012345679").error == errc::ok);  // another range
}

// The adapter's answers and its OAuth2 tokens, against the fake operator.
#include "signals_fixture.hpp"

#include <boost/asio/co_spawn.hpp>

#include <atomic>
#include <thread>
#include <vector>

namespace {

using namespace otpgate;
using namespace otpgate::test;
using E = FakeOperator::Endpoint;

TEST_CASE("signals: SIM swap answers swapped within maxAge and not swapped otherwise",
          "[signals]") {
  FakeOperator fake;
  fake.load_demo_table();
  SignalsRig rig(operator_config(fake));
  const SimSwapAnswer recent = rig.sim_swap("+4915112300001");
  CHECK_FALSE(recent.failure);
  CHECK(recent.swapped);
  const SimSwapAnswer never = rig.sim_swap("+4915112300002");
  CHECK_FALSE(never.failure);
  CHECK_FALSE(never.swapped);
  CHECK_FALSE(rig.sim_swap("+4915112300003", 240).swapped);  // 500 hours ago
  CHECK(rig.sim_swap("+4915112300003", 1000).swapped);
  CHECK(fake.calls(E::sim_swap) == 4);
  CHECK(fake.request_problems().empty());
}

TEST_CASE("signals: KYC match maps true false not_available and scores per field", "[signals]") {
  FakeOperator fake;
  fake.load_demo_table();
  SignalsRig rig(operator_config(fake));
  const KycAnswer a = rig.kyc("+4915112300002", erika("Musterfrau"));
  REQUIRE_FALSE(a.failure);
  REQUIRE(a.fields.size() == 4);  // in the order asked
  CHECK(a.fields[0].field == KycField::given_name);
  CHECK(a.fields[0].match == KycMatch::yes);
  CHECK_FALSE(a.fields[0].score);
  CHECK(a.fields[1].field == KycField::family_name);
  CHECK(a.fields[1].match == KycMatch::no);
  CHECK(a.fields[1].score == 80);
  CHECK(a.fields[2].field == KycField::email);  // not on the operator's record
  CHECK(a.fields[2].match == KycMatch::not_available);
  CHECK(a.fields[3].field == KycField::locality);  // compared case-insensitively
  CHECK(a.fields[3].match == KycMatch::yes);
  // The request carried the customer under the CAMARA names.
  const auto requests = fake.server().requests();
  REQUIRE_FALSE(requests.empty());
  const auto body = nlohmann::json::parse(requests.back().body);
  CHECK(body["givenName"] == "Erika");
  CHECK(body["familyName"] == "Musterfrau");
  CHECK(body["phoneNumber"] == "+4915112300002");
  CHECK(fake.request_problems().empty());
}

TEST_CASE("signals: an unknown number is rejected and both signals answer in one query",
          "[signals]") {
  FakeOperator fake;
  fake.load_demo_table();
  SignalsRig rig(operator_config(fake));
  CHECK(rig.sim_swap("+4915199999999").failure == SignalFailure::rejected);
  SignalQuery q{.phone_e164 = "+4915112300001"};
  q.sim_swap = SignalQuery::SimSwap{test_operator, 240};
  q.kyc = SignalQuery::Kyc{test_operator, erika()};
  const SignalAnswers a = rig.ask(q);
  REQUIRE(a.sim_swap);
  REQUIRE(a.kyc);
  CHECK(a.sim_swap->swapped);
  REQUIRE_FALSE(a.kyc->failure);
  CHECK(a.kyc->fields[0].match == KycMatch::no);  // Max, not Erika
  CHECK(a.kyc->fields[0].score == 40);
  SignalQuery unknown{.phone_e164 = "+4915112300001"};
  unknown.sim_swap = SignalQuery::SimSwap{"nobody", 240};
  CHECK(rig.ask(unknown).sim_swap->failure == SignalFailure::not_configured);
  CHECK(fake.request_problems().empty());
}

TEST_CASE("signals: one token serves many calls", "[signals]") {
  FakeOperator fake;
  fake.load_demo_table();
  SignalsRig rig(operator_config(fake));
  for (int i = 0; i < 5; ++i) CHECK_FALSE(rig.sim_swap("+4915112300002").failure);
  CHECK_FALSE(rig.kyc("+4915112300002", erika()).failure);
  CHECK(fake.calls(E::token) == 1);
  CHECK(fake.calls(E::sim_swap) == 5);
  CHECK(rig.op().tokens.fetches() == 1);
  CHECK(fake.request_problems().empty());
}

// Runs `n` overlapping queries on its own io thread and adapter, on the shared operator state.
struct IoThread {
  IoThread(signals::SignalsShared& shared, const SignalQuery& q, int n) : adapter(http, shared) {
    for (int i = 0; i < n; ++i)
      boost::asio::co_spawn(ioc, adapter.query(q),
                            [this, n](std::exception_ptr e, SignalAnswers a) {
                              if (!e && a.sim_swap && !a.sim_swap->failure) ++ok;
                              // The pool's idle timer would keep run() going: stop once every query
                              // answered.
                              if (++done == n) ioc.stop();
                            });
  }
  boost::asio::io_context ioc;
  gateways::CurlMulti http{ioc};
  signals::CamaraSignals adapter;
  std::atomic<int> ok{0};
  int done = 0;  // on the io thread only
};

TEST_CASE("signals: io threads that miss the token at once share one fetch", "[signals]") {
  FakeOperator fake;
  fake.load_demo_table();
  // A slow token endpoint: every thread's first calls miss while the fetch is under way.
  fake.set_delay(E::token, std::chrono::milliseconds(150));
  SignalsRig rig(operator_config(fake));
  SignalQuery q{.phone_e164 = "+4915112300002"};
  q.sim_swap = SignalQuery::SimSwap{test_operator, 240};
  IoThread a(rig.shared, q, 3), b(rig.shared, q, 3);
  std::thread ta([&] { a.ioc.run(); }), tb([&] { b.ioc.run(); });
  ta.join();
  tb.join();
  CHECK(a.ok == 3);
  CHECK(b.ok == 3);
  CHECK(fake.calls(E::token) == 1);
  CHECK(fake.calls(E::sim_swap) == 6);
  CHECK(fake.request_problems().empty());
}

TEST_CASE("signals: a token is fetched again shortly before it expires", "[signals]") {
  FakeOperator fake(FakeOperator::Options{.token_lifetime = std::chrono::seconds(100)});
  fake.load_demo_table();
  SignalsRig rig(operator_config(fake));
  CHECK_FALSE(rig.sim_swap("+4915112300002").failure);
  rig.clock.advance(85'000);  // within its lifetime less the margin (10 s)
  CHECK_FALSE(rig.sim_swap("+4915112300002").failure);
  CHECK(fake.calls(E::token) == 1);
  rig.clock.advance(6'000);  // 91 s: inside the margin
  CHECK_FALSE(rig.sim_swap("+4915112300002").failure);
  CHECK(fake.calls(E::token) == 2);
}

TEST_CASE("signals: a 401 drops the token and the call is retried once with a fresh one",
          "[signals]") {
  FakeOperator fake;
  fake.load_demo_table();
  SignalsRig rig(operator_config(fake));
  CHECK_FALSE(rig.sim_swap("+4915112300002").failure);
  fake.expire_tokens();  // the operator revoked it before its expires_in
  const SimSwapAnswer a = rig.sim_swap("+4915112300001");
  CHECK_FALSE(a.failure);
  CHECK(a.swapped);
  CHECK(fake.calls(E::token) == 2);
  CHECK(fake.calls(E::sim_swap) == 3);  // one, then the refused one and its retry
  CHECK(fake.request_problems().empty());
}

TEST_CASE("signals: wrong client credentials are unauthorized", "[signals]") {
  FakeOperator fake;
  fake.load_demo_table();
  auto config = operator_config(fake);
  config.client_secret = Secret<std::string>("not-the-secret");
  SignalsRig rig(config);
  CHECK(rig.sim_swap("+4915112300002").failure == SignalFailure::unauthorized);
  CHECK(fake.calls(E::sim_swap) == 0);
  CHECK(fake.calls(E::token) == 1);
}

}  // namespace

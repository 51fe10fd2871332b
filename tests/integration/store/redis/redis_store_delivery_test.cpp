// delivery.lua, report.lua and expire.lua against the core's rules (core/verification_delivery):
// the same steps through both on a real redis-server, every delivery field compared after each.
//
// Store calls are never made inside CHECK/REQUIRE: Catch2 v2 may evaluate the expression twice.
#include "otpgate/core/verification_delivery.hpp"
#include "otpgate/store/redis/redis_store.hpp"

#include "support/store_fixture.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {

using namespace otpgate;
using namespace otpgate::test::store;
using D = DeliveryStatus;

// One step: a send's outcome (report false) or a delivery report (report true).
struct Step {
  bool report = false;
  std::string gateway;
  std::string message_id;
  bool accepted = true;     // a send's outcome
  bool first_send = false;  // a send's outcome
  D status = D::accepted;   // a report's
};

void same_delivery(const VerificationRecord& got, const VerificationRecord& model) {
  CHECK(got.status == model.status);
  CHECK(got.delivery_status == model.delivery_status);
  CHECK(got.gateway == model.gateway);
  CHECK(got.message_id == model.message_id);
  CHECK(got.delivered_ms == model.delivered_ms);
  CHECK(got.auto_resend == model.auto_resend);
  CHECK(got.finished_ms == model.finished_ms);
}

// Runs the steps through the store and the core side by side, one second apart.
void run_steps(const std::vector<Step>& steps, int auto_resend) {
  StoreFixture f;
  auto v = make_verification(fresh_tag());
  v.record.auto_resend = auto_resend;
  const VerificationId id = id_of(v);
  auto created = f.run(f.store.create(v, t0));
  REQUIRE(created);
  VerificationRecord model = v.record;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    const std::int64_t now = t0 + 1'000 * static_cast<std::int64_t>(i + 1);
    CAPTURE(i);
    if (!s.report) {
      apply_send_outcome(model, s.gateway, s.accepted, s.first_send, s.message_id, now);
      const DeliveryUpdate u{.gateway = s.gateway,
                             .message_id = s.message_id,
                             .accepted = s.accepted,
                             .first_send = s.first_send};
      auto got = f.run(f.store.record_delivery(id, nordwind, u, now));
      REQUIRE(got);
      same_delivery(got.value(), model);
      continue;
    }
    bool claimed = false;
    const ReportVerdict rule =
        apply_report(model, {.gateway = s.gateway, .message_id = s.message_id, .status = s.status},
                     false, now, claimed);
    const ReportUpdate u{.gateway = s.gateway, .message_id = s.message_id, .status = s.status};
    auto got = f.run(f.store.apply_report(id, u, now));
    REQUIRE(got);
    CHECK((got.value().what == ReportOutcome::kind::applied) == (rule == ReportVerdict::applied));
    CHECK(got.value().resend_claimed == claimed);
    same_delivery(got.value().record, model);
  }
}

}  // namespace

TEST_CASE("delivery and report scripts agree with the core's rules step by step",
          "[integration][store][delivery]") {
  const std::vector<Step> steps = {
      {.gateway = "alpha", .message_id = "m1", .first_send = true},  // accepted
      {.report = true, .gateway = "alpha", .message_id = "m1", .status = D::delivered},
      {.report = true, .gateway = "alpha", .message_id = "m1", .status = D::accepted},  // late
      {.report = true, .gateway = "beta", .status = D::undelivered},  // another gateway's
      {.gateway = "beta", .accepted = false},                         // a refused resend
      {.gateway = "beta", .message_id = "m2"},                        // an accepted resend
      {.report = true, .gateway = "beta", .message_id = "m1", .status = D::failed},  // old id
      {.report = true, .gateway = "beta", .status = D::undelivered},  // claims the resend
      {.report = true, .gateway = "beta", .message_id = "m2", .status = D::undelivered},  // same
      {.report = true, .gateway = "beta", .message_id = "m2", .status = D::failed},  // no claim
  };
  run_steps(steps, 1);
  run_steps(steps, 0);  // the brand asked for no automatic resend
}

TEST_CASE("a refused first send ends the verification, as the core says",
          "[integration][store][delivery]") {
  run_steps({{.gateway = "alpha", .accepted = false, .first_send = true},
             {.report = true, .gateway = "alpha", .status = D::failed},
             {.gateway = "beta", .message_id = "late"}},
            1);
}

TEST_CASE("the expire script marks expiry as the core does, once",
          "[integration][store][delivery]") {
  StoreFixture f;
  auto v = make_verification(fresh_tag());
  const VerificationId id = id_of(v);
  auto created = f.run(f.store.create(v, t0));
  REQUIRE(created);
  VerificationRecord model = v.record;
  for (const std::int64_t at : {299'999, 300'000, 300'001}) {
    CAPTURE(at);
    const bool rule = apply_expiry(model, t0 + at);
    auto got = f.run(f.store.mark_expired(id, t0 + at));
    REQUIRE(got);
    CHECK(got.value() == rule);
  }
  auto stored = f.run(f.store.get(id));
  REQUIRE(stored);
  REQUIRE(stored.value());
  same_delivery(*stored.value(), model);
  CHECK(model.status == Status::expired);  // the scenario does reach expiry
}

namespace {

// The record as one read of the whole hash gives it, field by field.
std::vector<std::string> stored_fields(StoreFixture& f, const VerificationId& id) {
  auto got = f.run(f.store.get(id));
  REQUIRE(got);
  REQUIRE(got.value());
  return record_to_fields(*got.value());
}

// A record with every typed field set, so the copy laid over is not mostly defaults.
NewVerification full_verification() {
  auto v = make_verification(fresh_tag());
  v.record.code_format = CodeFormat{.length = 8, .alphabet = CodeAlphabet::alphanumeric};
  v.record.order = Order{.id = "A-17",
                         .amount = Amount::parse("49.90"),
                         .currency = "EUR",
                         .payee = "Nordwind Shop"};
  v.record.order_bound = 1;
  v.record.auto_resend = 1;
  v.record.metadata_json = R"({"cart":"c1"})";
  return v;
}

}  // namespace

TEST_CASE("a send recorded over the caller's copy answers the record as stored",
          "[integration][store][delivery]") {
  StoreFixture f;
  // The copy is the create's draft: a wrong code, a resend and a report change the record after
  // it; the answer must still be the record as a whole read gives it.
  auto v = full_verification();
  const VerificationId id = id_of(v);
  REQUIRE(f.run(f.store.create(v, t0)));
  const DeliveryUpdate first{
      .gateway = "alpha", .message_id = "m1", .accepted = true, .first_send = true};
  auto sent = f.run(f.store.record_delivery(v.record, first, t0 + 1));
  REQUIRE(sent);
  CHECK(record_to_fields(sent.value()) == stored_fields(f, id));
  REQUIRE(f.run(f.store.check(id, nordwind, wrong_mac, no_order_mac, t0 + 2)));
  const ReportUpdate undelivered{.gateway = "alpha", .message_id = "m1",
                                 .status = DeliveryStatus::undelivered, .claim_resend = true};
  REQUIRE(f.run(f.store.apply_report(id, undelivered, t0 + 3)));
  REQUIRE(f.run(f.store.resend(id, nordwind, no_rates, t0 + 40'000)));
  const DeliveryUpdate again{.gateway = "beta", .message_id = "m2", .accepted = true};
  auto resent = f.run(f.store.record_delivery(v.record, again, t0 + 40'001));
  REQUIRE(resent);
  CHECK(resent.value().attempts_used == 1);
  CHECK(resent.value().sends == 2);
  CHECK(record_to_fields(resent.value()) == stored_fields(f, id));
  const DeliveryUpdate refused{.gateway = "gamma", .accepted = false};
  auto kept = f.run(f.store.record_delivery(v.record, refused, t0 + 40'002));
  REQUIRE(kept);
  CHECK(record_to_fields(kept.value()) == stored_fields(f, id));
}

TEST_CASE("a refused first send recorded over the caller's copy answers it ended",
          "[integration][store][delivery]") {
  StoreFixture f;
  auto v = full_verification();
  const VerificationId id = id_of(v);
  REQUIRE(f.run(f.store.create(v, t0)));
  const DeliveryUpdate failed{.gateway = "alpha", .accepted = false, .first_send = true};
  auto got = f.run(f.store.record_delivery(v.record, failed, t0 + 5));
  REQUIRE(got);
  CHECK(got.value().status == Status::send_failed);
  CHECK(got.value().finished_ms == t0 + 5);
  CHECK(record_to_fields(got.value()) == stored_fields(f, id));
  const DeliveryUpdate none{.gateway = "alpha", .accepted = true, .first_send = true};
  auto other = make_verification(fresh_tag());
  auto missing = f.run(f.store.record_delivery(other.record, none, t0 + 6));
  REQUIRE_FALSE(missing);
  CHECK(missing.error() == make_error_code(errc::not_found));
}

// Shared by the store's integration tests: a connected RedisStore, distinct phone tags, a
// pending verification to create, and the MACs a check presents.
#pragma once

#include "otpgate/store/redis/redis_store.hpp"

#include "support/connected_redis.hpp"
#include "support/redis_server.hpp"
#include "support/run_sync.hpp"

#include <boost/asio/awaitable.hpp>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <string>

namespace otpgate::test::store {

namespace asio = boost::asio;
using namespace std::chrono_literals;

inline const std::string nordwind = "nordwind";
inline const std::string skylink = "skylink";
inline const std::string any_brand = "*";
inline const std::string right_mac(64, 'a');
inline const std::string wrong_mac(64, 'b');
// The bound MAC a check passes when the record is not bound: never compared.
inline const std::string no_order_mac(64, 'c');
inline constexpr std::int64_t t0 = 1'000'000;
// A resend without per-phone rate limits.
inline const std::vector<Rate> no_rates;

// A connected store on its own io_context. Tests are plain sequential code: run() drives one
// store call to completion, bounded in time. (No coroutine lambdas in tests: g++ 12 miscompiles
// some of them; see docs/architecture.md.)
struct StoreFixture : test::ConnectedRedis {
  RedisStore store{conn};

  template <class T>
  T run(asio::awaitable<T> call) {
    return test::run_sync(ioc, std::move(call));
  }
};

// A distinct tag per test so tests sharing one Redis never see each other's keys.
inline std::string fresh_tag() {
  static std::atomic<unsigned> n{0};
  std::string tag = "t" + std::to_string(::getpid() % 100000) + "x" + std::to_string(n++);
  for (char& c : tag)  // digits to letters: ids must be lower-case base32
    if (c >= '0' && c <= '9') c = static_cast<char>('a' + (c - '0'));
  tag.resize(VerificationId::tag_length, 'q');
  return tag;
}

inline NewVerification make_verification(const std::string& tag,
                                         const std::string& brand = "nordwind") {
  static std::atomic<unsigned> n{0};
  std::string random = "r" + std::to_string(n++);
  for (char& c : random)
    if (c >= '0' && c <= '9') c = static_cast<char>('a' + (c - '0'));
  random.resize(26, 'z');
  NewVerification v{.tag = tag, .retention_ms = 60'000};
  auto& r = v.record;
  r.id = VerificationId::make(tag, random);
  r.brand = brand;
  r.phone = *PhoneNumber::parse_e164("+4915112345678");
  r.country = "DE";
  r.locale = "de";
  r.code_mac = right_mac;
  r.created_ms = t0;
  r.expires_ms = t0 + 300'000;
  r.max_attempts = 3;
  r.sends = 1;
  r.max_sends = 3;
  r.resend_cooldown_ms = 30'000;
  r.last_send_ms = t0;
  r.delivery_status = DeliveryStatus::queued;
  r.lock_max_failed = 100;
  r.lock_window_ms = 3'600'000;
  r.lock_ms = 900'000;
  r.lock_max_ms = 3'600'000;
  return v;
}

inline VerificationId id_of(const NewVerification& v) {
  auto id = VerificationId::parse(v.record.id.str());
  REQUIRE(id.has_value());
  return *id;
}

// Records v's first send as accepted: an idempotent create's first answer is then known, and
// retries with its key replay it.
template <class Fixture>
void answered(Fixture& f, const NewVerification& v) {
  const DeliveryUpdate sent{.gateway = "file",
                            .message_id = "m1",
                            .accepted = true,
                            .first_send = true,
                            .idempotency_key = v.idempotency_key};
  auto r = f.run(f.store.record_delivery(id_of(v), v.record.brand, sent, t0));
  REQUIRE(r);
}

}  // namespace otpgate::test::store

// The calls of RedisStore's per-verification scripts (redis_store.cpp): each answers
// {result, number, {field, value, ...}[, replayed]}, decoded into a Transition, or 1/0.
// Internal to src/store/redis.
#pragma once

#include "otpgate/core/errc.hpp"
#include "otpgate/core/verification.hpp"
#include "otpgate/ports/task.hpp"
#include "otpgate/redis/connection.hpp"
#include "otpgate/redis/reply.hpp"

#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace otpgate::store_calls {

// A number Redis answered as text (a hash field, a counter); 0 when it is not one.
inline std::int64_t to_int(std::string_view s) {
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// A decoded reply of a per-verification script.
struct Transition {
  std::string tag;
  std::int64_t number = 0;  // the second element as a number (retry-after, lock ms)
  std::string text;         // the second element as text (the replayed id)
  std::optional<VerificationRecord> record;
  bool replayed = false;  // a fourth element: the outcome recorded under an Idempotency-Key
};

result<Transition> decode(const redis::Reply& r);

task<result<Transition>> run_script(redis::Connection& conn, std::string_view source,
                                    const std::vector<std::string>& keys,
                                    const std::vector<std::string>& args);

// run_script for an action that takes an Idempotency-Key (check, resend, cancel: _retry.lua):
// another request's entry under the key is an error.
task<result<Transition>> run_action(redis::Connection& conn, std::string_view source,
                                    const std::vector<std::string>& keys,
                                    const std::vector<std::string>& args);

// A script that answers 1 (it changed something) or 0.
task<result<bool>> flag_script(redis::Connection& conn, std::string_view source,
                               const std::vector<std::string>& keys,
                               const std::vector<std::string>& args);

// The script's result name as R, with the record it returned.
template <class R>
result<std::pair<R, VerificationRecord>> outcome(Transition& t,
                                                 const std::map<std::string, R, std::less<>>& m) {
  auto it = m.find(t.tag);
  if (it == m.end() || !t.record) return errc::store_protocol;
  return std::pair<R, VerificationRecord>(it->second, std::move(*t.record));
}

}  // namespace otpgate::store_calls

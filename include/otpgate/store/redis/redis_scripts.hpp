// The Lua scripts that make every state change one atomic Redis call, and their one table.
// Each script is a file, src/store/redis/lua/<name>.lua (KEYS, ARGV and the reply are described
// at its top), embedded at build time by cmake/embed_lua.cmake. The verification scripts mirror
// the rules of core/verification.hpp; tests/integration/store/redis/redis_store_test.cpp runs
// both on the same cases. Every adapter calls its scripts through cached() and
// redis::Connection::eval (EVALSHA, EVAL again after NOSCRIPT).
#pragma once

#include "otpgate/redis/connection.hpp"

#include <map>
#include <span>
#include <string>
#include <string_view>

namespace otpgate::scripts {

// The sources, as embedded (fragments such as lua/_prelude.lua included).
// Verifications (the phone's slot): lua/<name>.lua.
extern const std::string_view create;
extern const std::string_view undo_create;
extern const std::string_view check;
extern const std::string_view resend;
extern const std::string_view undo_resend;
extern const std::string_view settle_resend;
// A send claim given back by its holder (a create's first send, a resend).
extern const std::string_view release_send;
extern const std::string_view cancel;
extern const std::string_view delivery;
extern const std::string_view report;
extern const std::string_view expire;
// A create's first send left unsent at its deadline (the index of unsent first sends).
extern const std::string_view send_deadline;
// CAMARA send-code: the phone's newest CAMARA verification, the one it supersedes expired.
extern const std::string_view camara_supersede;
// Limits: a send's brand-wide admission (the brand's slot: IP, range and brand limits and the
// SMS pumping watch in one call).
extern const std::string_view admit_brand;
// Analytics (the brand's slot): a batch of events with their counters, and the buckets' readers.
extern const std::string_view record_events;
extern const std::string_view read_buckets;
extern const std::string_view sum_buckets;
// Brand managers' templates, support's view of a phone, and an unlock's audit entry with its
// Idempotency-Key.
extern const std::string_view template_save;
extern const std::string_view subscriber_state;
extern const std::string_view subscriber_records;
extern const std::string_view audit_once;

// Every script by name (`otpgate --print-script NAME`).
const std::map<std::string_view, std::string_view>& by_name();

// The Script (source and SHA-1, computed once) of one of the sources above, found by address;
// throws std::logic_error for any other text (one that is not in the table).
const redis::Script& cached(std::string_view source);

// Logs a script's error answer ("redis script error"). One kind for every store adapter,
// rate-limited: an error that lasts (OOM under noeviction) would otherwise log every request.
void log_script_error(const std::string& error);

namespace detail {
// One entry of the generated table: the file's name without .lua, and its source.
struct Embedded {
  std::string_view name;
  std::string_view source;
};
// Every script, sorted by name (defined in the generated lua_scripts.cpp).
std::span<const Embedded> embedded();
}  // namespace detail

}  // namespace otpgate::scripts

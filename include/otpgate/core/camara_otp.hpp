// The rules of CAMARA one-time-password-sms 1.1.1 that otpgate adds to its own verifications
// (docs/camara.md): how an authenticationId names a verification, what a send-code's `message`
// must be, and which verification a newer send-code to the same phone and brand supersedes. The
// supersede rule also lives in lua/camara_supersede.lua (one atomic call); this is its spec, and
// tests/integration/store/redis/camara_supersede_test.cpp steps both through the same cases.
#pragma once

#include "otpgate/core/types.hpp"
#include "otpgate/core/verification.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace otpgate::camara {

// The spec's AuthenticationId has at most 36 characters: the checkout verification id without
// its "vf_" prefix (10 tag and 26 random base32 characters) is exactly that long.
inline constexpr std::size_t authentication_id_max = 36;
std::string authentication_id(const VerificationId& id);
// The checkout verification an authenticationId names, or nullopt for a text no send-code ever
// answered (a support call's "sc_" id cannot be named: the prefix is always "vf_").
std::optional<VerificationId> verification_of(std::string_view authentication_id);

// The spec's Message: at most 160 characters (JSON Schema counts code points) with "{{code}}"
// somewhere (its pattern, unanchored). nullopt: valid; else the sentence saying what is wrong.
inline constexpr std::size_t message_max_chars = 160;
std::optional<std::string> message_problem(std::string_view utf8);

// The spec's XCorrelator: ^[a-zA-Z0-9-_:;.\/<>{}]{0,256}$ (a wider set than the native API's,
// which replaces a value outside its own rule by a fresh one instead of refusing it).
inline constexpr std::size_t correlator_max = 256;
bool correlator_valid(std::string_view value);

// A verification as the supersede rule sees it.
struct SupersedeState {
  Status status = Status::pending;
  std::int64_t created_ms = 0;
  std::int64_t expires_ms = 0;
};

// What a send-code does once its verification (`newer`) is stored and sent, given the phone's
// newest CAMARA verification of the brand so far (`latest`, nullopt when none or gone):
// - the later created of the two becomes the phone's newest (the other one, for two send-codes
//   that raced, is the one superseded; a tie goes to the newer call);
// - the superseded one, when still pending and unexpired, expires now (its expires_at becomes
//   now): every check of it answers expired from then on, through the usual rules.
// Native verifications never take part: only send-code records itself as the newest.
enum class Superseded { none, latest, newer };
struct SupersedeDecision {
  bool newer_becomes_latest = true;
  Superseded retire = Superseded::none;
};
SupersedeDecision decide_supersede(const std::optional<SupersedeState>& latest,
                                   const SupersedeState& newer);

// The expiry a superseded verification gets at now: now when it is still pending and unexpired,
// else nullopt (an approved, failed or expired one keeps what it is).
std::optional<std::int64_t> retired_expiry(const SupersedeState& v, std::int64_t now_ms);

}  // namespace otpgate::camara

// Network signals (docs/signals.md): what the operator's network says about a number before a
// code is sent to it. SIM Swap 2.1.0 tells whether the number's SIM changed recently; KYC Match
// 0.4.0 compares the checkout's customer data with the operator's subscriber records. The pure
// rules live here: the customer fields and their names in the native API and in CAMARA, the
// brand's policies, and what a policy decides from the operator's answers.
#pragma once

#include "otpgate/core/errc.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace otpgate {

// The KYC Match fields otpgate passes through (the spec's identity-document, kana and birthplace
// fields are not offered: a web shop's checkout does not collect them).
enum class KycField {
  name,
  given_name,
  family_name,
  middle_names,
  family_name_at_birth,
  address,
  street_name,
  street_number,
  house_number_extension,
  postal_code,
  region,
  locality,
  country,
  birthdate,
  email,
  gender,
};

struct KycFieldInfo {
  KycField field;
  std::string_view native;  // the native API's name: "given_name"
  std::string_view camara;  // the request property of KYC Match: "givenName"
  bool has_score;           // the spec answers "<camara>MatchScore" for it when it is false
};

// Every field, in the spec's order: the one table of the names.
std::span<const KycFieldInfo> kyc_fields();
const KycFieldInfo& kyc_field_info(KycField f);
std::optional<KycField> kyc_field_named(std::string_view native_name);

// The checkout's customer as the create request gave it. Passed through to the operator and
// never stored, logged or evented: only the KycResult is kept (for the verification's lifetime).
struct Customer {
  std::vector<std::pair<KycField, std::string>> fields;  // each field at most once
  bool empty() const { return fields.empty(); }
};

// Why a customer field's value cannot be sent (nullopt: it can), as the end of a sentence
// naming the field: "must be a date such as 1990-01-31". Every value is 1 to 256 characters of
// one line; birthdate a calendar date (YYYY-MM-DD), email local@domain, country ISO 3166-1
// alpha-2 in upper case, gender MALE, FEMALE or OTHER (the spec's formats).
std::optional<std::string> customer_value_problem(KycField f, std::string_view value);

// KYC Match's answer for one field: "true", "false" or "not_available" in the spec.
enum class KycMatch { yes, no, not_available };
std::string_view to_string(KycMatch m);  // "true", "false", "not_available"

struct KycFieldResult {
  KycField field;
  KycMatch match = KycMatch::not_available;
  std::optional<int> score;  // 0-99, only for a "false" of a field with has_score
};

// Why an operator gave no usable answer. Every failure is the brand's on_error to decide.
enum class SignalFailure {
  timeout,         // no answer within the call's deadline
  unreachable,     // connection refused, DNS, TLS
  unauthorized,    // the operator refused otpgate's token (401/403) even after a fresh one
  operator_error,  // 5xx, or an answer that is not what the spec says
  rejected,        // 4xx: the operator cannot answer for this number (e.g. not its subscriber)
  circuit_open,    // recent calls failed: the operator is not called for a while
  not_configured,  // the brand names an operator this deployment does not know
};
std::string_view to_string(SignalFailure f);

struct SimSwapAnswer {
  std::optional<SignalFailure> failure;  // set: no answer
  bool swapped = false;                  // the SIM changed within max_age_hours
};

struct KycAnswer {
  std::optional<SignalFailure> failure;  // set: no answer
  std::vector<KycFieldResult> fields;    // one per field asked, in the order asked
};

// What a create asks the network, all at once (the calls overlap).
struct SignalQuery {
  std::string phone_e164;
  struct SimSwap {
    std::string operator_id;
    int max_age_hours = 240;
  };
  struct Kyc {
    std::string operator_id;
    Customer customer;
  };
  std::optional<SimSwap> sim_swap;
  std::optional<Kyc> kyc;
};

struct SignalAnswers {
  std::optional<SimSwapAnswer> sim_swap;  // set when the query asked
  std::optional<KycAnswer> kyc;
};

// ---- The brand's policies (brand.json "signals"; brands/schema.json) ----

enum class SignalAction { block, flag };
enum class SignalOnError { allow, deny };

struct SimSwapPolicy {
  std::string operator_id;
  int max_age_hours = 240;  // 1-2400, as the spec's maxAge
  SignalAction action = SignalAction::block;
  SignalOnError on_error = SignalOnError::allow;
};

struct KycPolicy {
  std::string operator_id;
  std::vector<KycField> must_match;  // each must answer "true" when the customer gave it
  int min_matches = 0;               // at least this many fields answer "true"
  SignalAction action = SignalAction::flag;
  SignalOnError on_error = SignalOnError::allow;
};

struct SignalPolicy {
  std::optional<SimSwapPolicy> sim_swap;
  std::optional<KycPolicy> kyc;
  bool empty() const { return !sim_swap && !kyc; }
};

// ---- What the signals say about one create, kept in the verification ----

// The summary of one signal, as events and analytics name it.
enum class SignalOutcome { clear, swapped, match, mismatch, error };
std::string_view to_string(SignalOutcome o);  // "clear", "swapped", "match", "mismatch", "error"

struct SignalResults {
  // SIM swap: clear, swapped or error (nullopt: not asked)
  std::optional<SignalOutcome> sim_swap;
  // KYC: match (the policy is met), mismatch or error (nullopt: not asked), and the per-field
  // answers (empty on error)
  std::optional<SignalOutcome> kyc;
  std::vector<KycFieldResult> kyc_fields;
  bool flagged = false;  // some signal failed its policy with action "flag"
  bool empty() const { return !sim_swap && !kyc; }
};

// The verification's "signals" object in answers and the record:
//   {"sim_swap": {"result": "swapped"}, "kyc": {"result": "mismatch",
//    "fields": {"given_name": {"match": "false", "score": 80}, ...}}, "flagged": true}
nlohmann::json signals_to_json(const SignalResults& s);
std::optional<SignalResults> signals_from_json(const nlohmann::json& j);

// The policy's decision for one create.
struct SignalVerdict {
  SignalResults results;
  // Set: the create is refused before anything is stored or sent, with this error and the
  // refused event's reason ("sim_swap", "kyc", "signal_error").
  std::optional<errc> refuse;
  std::string reason;
};

// The query a create sends for this policy (nullopt: nothing to ask). KYC is asked only when the
// request has a customer; the customer is moved into the query.
std::optional<SignalQuery> signal_query(const SignalPolicy& policy, const std::string& phone_e164,
                                        std::optional<Customer> customer);

// The answers when nobody could be asked: every signal q asks failed with f (not_configured).
SignalAnswers unanswered(const SignalQuery& q, SignalFailure f);

// Applies the policy to the operator's answers.
SignalVerdict decide_signals(const SignalPolicy& policy, const SignalAnswers& answers);

}  // namespace otpgate

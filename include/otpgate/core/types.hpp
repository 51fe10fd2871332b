// Strong types for values that must not be mixed up, and a wrapper for secrets that cannot be
// logged or printed by accident.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace otpgate {

// A value that must never reach a log line, an error message or a response by accident: it has
// no operator<<, no implicit conversion, and reveal() makes every read greppable.
template <class T>
class Secret {
 public:
  Secret() = default;
  explicit Secret(T value) : value_(std::move(value)) {}
  const T& reveal() const { return value_; }

 private:
  T value_{};
};

// A brand's id: lower-case [a-z0-9-], 2–32 chars, as its folder name under brands/.
class BrandId {
 public:
  static std::optional<BrandId> parse(std::string_view text);
  const std::string& str() const { return value_; }
  auto operator<=>(const BrandId&) const = default;

 private:
  explicit BrandId(std::string v) : value_(std::move(v)) {}
  std::string value_;
};

// An E.164 number ("+" and 8–15 digits, no leading zero after "+"), checked by libphonenumber
// for validity before construction (see crypto/phone_parser.hpp); this type only guards format.
//
// A default-constructed PhoneNumber is the empty number, which parse_e164 never produces: it is
// the state of a VerificationRecord that no create or store read filled in (a store outcome
// without a record). e164() and masked() are "" then.
class PhoneNumber {
 public:
  PhoneNumber() = default;
  static std::optional<PhoneNumber> parse_e164(std::string_view text);
  bool empty() const { return value_.empty(); }
  const std::string& e164() const { return value_; }
  // "+49170****567": country code and leading digits kept, middle masked, last 3 kept.
  // "" for the empty number.
  std::string masked() const;
  auto operator<=>(const PhoneNumber&) const = default;

 private:
  explicit PhoneNumber(std::string v) : value_(std::move(v)) {}
  std::string value_;
};

// What a verification is for, visible in its id's prefix: "checkout" (a shop's customer, "vf_")
// or "support_call" (a caller's identity, started by a support agent, "sc_"). The prefix lets
// the edge refuse a support call to a shop key without reading Redis, and a changed prefix names
// another record (the id is part of every key and of the code's MAC).
enum class Purpose { checkout, support_call };

std::string_view to_string(Purpose p);
std::optional<Purpose> purpose_from_string(std::string_view s);

// "vf_" or "sc_" + 10-char phone tag + 26 random base32 chars. The tag is the Redis hash tag of
// every key of the phone, so an id is routed to its Redis slot without a lookup.
//
// A default-constructed VerificationId is the empty id, which parse and make never produce: as
// for PhoneNumber, the state of a VerificationRecord not filled in. str() and tag() are "" then.
class VerificationId {
 public:
  static constexpr std::size_t tag_length = 10;
  VerificationId() = default;
  bool empty() const { return value_.empty(); }
  static std::optional<VerificationId> parse(std::string_view text);
  static VerificationId make(std::string_view tag, std::string_view random_part,
                             Purpose purpose = Purpose::checkout);
  const std::string& str() const { return value_; }
  std::string_view tag() const {
    return value_.empty() ? std::string_view() : std::string_view(value_).substr(3, tag_length);
  }
  Purpose purpose() const {
    return value_.starts_with("sc_") ? Purpose::support_call : Purpose::checkout;
  }
  auto operator<=>(const VerificationId&) const = default;

 private:
  explicit VerificationId(std::string v) : value_(std::move(v)) {}
  std::string value_;
};

// A one-time code as sent to the phone. Only ever held briefly, never stored or logged.
using OtpCode = Secret<std::string>;

}  // namespace otpgate

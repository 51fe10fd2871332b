// The verification record's Redis hash: one table of its fields for writing (the create

#include "script_calls.hpp"
// script's arguments) and reading (HGETALL, the scripts' answers). The only place the record's
// typed values become the strings Redis holds.
#include "otpgate/store/redis/redis_store.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <variant>

namespace otpgate {
namespace {

using redis::Reply;

using store_calls::to_int;

// The record's hash fields, one table for writing and reading (short names keep the hash small;
// "st", the status, is handled on its own). Typed members that are not numbers or plain text are
// Typed entries, written and read by typed_value / read_typed below: their names and values are
// the strings every earlier version wrote, and the Lua scripts read ('dst', 'ca', 'cl', 'ord').
using R = VerificationRecord;
enum class Typed { id, phone, delivery_status, order, code_length, code_alphabet, signals };
using Member = std::variant<std::string R::*, std::int64_t R::*, int R::*, Typed>;
struct FieldDef {
  std::string_view name;
  Member member;
};
const std::array<FieldDef, 31> record_fields = {{
    {"id", Typed::id},
    {"b", &R::brand},
    {"p", Typed::phone},
    {"cc", &R::country},
    {"lc", &R::locale},
    {"mac", &R::code_mac},
    {"cr", &R::created_ms},
    {"ex", &R::expires_ms},
    {"fin", &R::finished_ms},
    {"au", &R::attempts_used},
    {"ma", &R::max_attempts},
    {"sn", &R::sends},
    {"ms", &R::max_sends},
    {"cd", &R::resend_cooldown_ms},
    {"ls", &R::last_send_ms},
    {"dst", Typed::delivery_status},
    {"gw", &R::gateway},
    {"mid", &R::message_id},
    {"dl", &R::delivered_ms},  // absent in records written before analytics: 0
    {"ar", &R::auto_resend},
    {"lkn", &R::lock_max_failed},
    {"lkw", &R::lock_window_ms},
    {"lkd", &R::lock_ms},
    {"lkm", &R::lock_max_ms},
    {"ord", Typed::order},    // "" or the order object as JSON text (order_to_json)
    {"pb", &R::order_bound},  // absent in records written before PSD2 binding: 0, unbound
    {"md", &R::metadata_json},
    {"cl", Typed::code_length},
    {"ca", Typed::code_alphabet},  // "digits" or "alphanumeric"
    {"tx", &R::message_text},      // absent before CAMARA send-code: "", the brand's template
    {"sg", Typed::signals},        // "" or signals_to_json's text (absent before signals)
}};

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

std::string typed_value(const R& r, Typed t) {
  switch (t) {
    case Typed::id:
      return r.id.str();
    case Typed::phone:
      return r.phone.e164();
    case Typed::delivery_status:
      return std::string(to_string(r.delivery_status));
    case Typed::order:
      return r.order ? order_to_json(*r.order).dump() : std::string();
    case Typed::code_length:
      return std::to_string(r.code_format.length);
    case Typed::code_alphabet:
      return r.code_format.alphabet == CodeAlphabet::alphanumeric ? "alphanumeric" : "digits";
    case Typed::signals:
      return r.signals ? signals_to_json(*r.signals).dump() : std::string();
  }
  return {};
}

// False when the value cannot be a value of that field (the record is then unreadable). An
// 'ord' that is not an order's JSON reads as no order, as earlier versions answered it (null).
bool read_typed(R& r, Typed t, const std::string& value) {
  switch (t) {
    case Typed::id: {
      auto id = VerificationId::parse(value);
      if (id) r.id = std::move(*id);
      return id.has_value();
    }
    case Typed::phone: {
      auto phone = PhoneNumber::parse_e164(value);
      if (phone) r.phone = std::move(*phone);
      return phone.has_value();
    }
    case Typed::delivery_status: {
      const auto s = delivery_status_from_string(value);
      if (s) r.delivery_status = *s;
      return s.has_value();
    }
    case Typed::order:
      r.order = value.empty() ? std::nullopt
                              : order_from_json(nlohmann::json::parse(value, nullptr, false));
      return true;
    case Typed::code_length:
      r.code_format.length = static_cast<int>(to_int(value));
      return true;
    case Typed::code_alphabet:
      r.code_format.alphabet =
          value == "alphanumeric" ? CodeAlphabet::alphanumeric : CodeAlphabet::digits;
      return true;
    case Typed::signals:
      r.signals = value.empty()
                      ? std::nullopt
                      : signals_from_json(nlohmann::json::parse(value, nullptr, false));
      return true;
  }
  return false;
}

const FieldDef* field_named(std::string_view name) {
  for (const auto& f : record_fields)
    if (f.name == name) return &f;
  return nullptr;
}

// False when the value cannot be the field's (see read_typed).
bool read_field(R& r, const FieldDef& f, const std::string& value) {
  bool readable = true;
  std::visit(overloaded{[&](std::string R::*m) { r.*m = value; },
                        [&](std::int64_t R::*m) { r.*m = to_int(value); },
                        [&](int R::*m) { r.*m = static_cast<int>(to_int(value)); },
                        [&](Typed t) { readable = read_typed(r, t, value); }},
             f.member);
  return readable;
}

// The field as a record without it in the hash reads (`absent`, a default record).
void reset_field(R& r, const FieldDef& f, const R& absent) {
  std::visit(overloaded{[&](Typed t) {
                          switch (t) {
                            case Typed::id: r.id = absent.id; break;
                            case Typed::phone: r.phone = absent.phone; break;
                            case Typed::delivery_status:
                              r.delivery_status = absent.delivery_status;
                              break;
                            case Typed::order: r.order = absent.order; break;
                            case Typed::code_length:
                              r.code_format.length = absent.code_format.length;
                              break;
                            case Typed::code_alphabet:
                              r.code_format.alphabet = absent.code_format.alphabet;
                              break;
                            case Typed::signals: r.signals = absent.signals; break;
                          }
                        },
                        [&](auto m) { r.*m = absent.*m; }},
             f.member);
}

}  // namespace

std::vector<std::string> record_to_fields(const VerificationRecord& r) {
  std::vector<std::string> out = {"st", std::string(to_string(r.status))};
  out.reserve(2 + 2 * record_fields.size());
  for (const auto& f : record_fields) {
    out.emplace_back(f.name);
    std::visit(overloaded{[&](std::string R::*m) { out.push_back(r.*m); },
                          [&](Typed t) { out.push_back(typed_value(r, t)); },
                          [&](auto m) { out.push_back(std::to_string(r.*m)); }},
               f.member);
  }
  return out;
}

result<VerificationRecord> record_from_reply(const Reply& flat) {
  if (flat.type != Reply::kind::array || flat.elements.size() % 2 != 0 || flat.elements.empty())
    return errc::store_protocol;
  VerificationRecord r;
  std::optional<Status> status;
  bool readable = true;
  for (std::size_t i = 0; i + 1 < flat.elements.size(); i += 2) {
    const std::string& key = flat.elements[i].str;
    const std::string& value = flat.elements[i + 1].str;
    if (key == "st") status = status_from_string(value);
    if (const FieldDef* f = field_named(key)) readable = read_field(r, *f, value) && readable;
  }
  if (!status || !readable || r.id.empty()) return errc::store_protocol;
  r.status = *status;
  return r;
}

const std::vector<std::string>& record_changing_fields() {
  // st fin: check, cancel, expiry, a failed first send, the sweep; au: check; sn ls: resend and
  // its undo; dst gw mid: a send's record; dst dl ar: a delivery report. (sd and sk, the send's
  // claim, are not part of VerificationRecord.)
  static const std::vector<std::string> names = {"st", "fin", "au",  "sn", "ls",
                                                 "dst", "gw", "mid", "dl", "ar"};
  return names;
}

result<VerificationRecord> record_overlaid(VerificationRecord known, const Reply& values) {
  const auto& names = record_changing_fields();
  if (values.type != Reply::kind::array || values.elements.size() != names.size())
    return errc::store_protocol;
  const VerificationRecord absent;  // what record_from_reply leaves for a field not in the hash
  bool readable = true;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const Reply& v = values.elements[i];
    if (names[i] == "st") {
      const auto status = v.is_nil() ? std::nullopt : status_from_string(v.str);
      if (!status) return errc::store_protocol;
      known.status = *status;
      continue;
    }
    const FieldDef* f = field_named(names[i]);
    if (!f) return errc::store_protocol;
    if (v.is_nil()) {
      reset_field(known, *f, absent);
      continue;
    }
    readable = read_field(known, *f, v.str) && readable;
  }
  if (!readable) return errc::store_protocol;
  return known;
}

}  // namespace otpgate

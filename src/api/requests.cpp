#include "otpgate/api/requests.hpp"

#include "otpgate/api/errors.hpp"
#include "otpgate/core/ascii.hpp"
#include "otpgate/core/idempotency.hpp"
#include "otpgate/core/strict_json.hpp"
#include "otpgate/core/template_lint.hpp"
#include "otpgate/core/templates.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cctype>
#include <set>

namespace otpgate::api {
namespace {

using json = nlohmann::json;

// prefix names the enclosing object in error fields ("order." for fields inside order).
std::optional<http::Response> unknown_field(const json& body, const std::set<std::string>& known,
                                            const std::string& prefix = "") {
  for (auto it = body.begin(); it != body.end(); ++it)
    if (!known.count(it.key()))
      return invalid_argument(prefix + it.key(), "Unknown field '" + prefix + it.key() + "'.");
  return std::nullopt;
}

std::optional<http::Response> optional_string(const json& body, const char* field,
                                              std::size_t max_len, std::string& out,
                                              const std::string& prefix = "") {
  if (!body.contains(field)) return std::nullopt;
  const std::string name = prefix + field;
  if (!body[field].is_string())
    return invalid_argument(name, "Field '" + name + "' must be a string.");
  out = body[field].get<std::string>();
  if (out.empty() || out.size() > max_len)
    return invalid_argument(
        name, "Field '" + name + "' must have 1 to " + std::to_string(max_len) + " characters.");
  return std::nullopt;
}

// The address in one spelling ("2001:DB8:0::1" and "2001:db8::1" are one client; an IPv4
// address mapped into IPv6 is the IPv4 address), or nullopt when it is none: the IP limit counts
// clients, not spellings.
std::optional<std::string> canonical_ip(const std::string& s) {
  unsigned char buf[16];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1)
    return std::string(inet_ntop(AF_INET, buf, out, sizeof out));
  if (inet_pton(AF_INET6, s.c_str(), buf) != 1) return std::nullopt;
  static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(buf, buf + 12, v4_mapped))
    return std::string(inet_ntop(AF_INET, buf + 12, out, sizeof out));
  return std::string(inet_ntop(AF_INET6, buf, out, sizeof out));
}

// The order's id or payee: 1 to max_len characters, one line of text (both may be rendered into
// the SMS: {{order_id}}, {{payee}}).
std::optional<http::Response> sms_text_field(const json& order, const char* field,
                                             std::size_t max_len, std::optional<std::string>& out) {
  std::string v;
  if (auto bad = optional_string(order, field, max_len, v, "order.")) return bad;
  if (!order.contains(field)) return std::nullopt;
  if (!safe_sms_value(v)) {
    const std::string name = std::string("order.") + field;
    return invalid_argument(name, "Field '" + name +
                                      "' must be one line of text without control or "
                                      "direction characters.");
  }
  out = std::move(v);
  return std::nullopt;
}

// The order of a create (or a check: any_case_currency) into `out`, validated field by field:
// the amount by Amount::parse, the currency by canonical_currency. A check's order may write the
// currency in lower case, since the binding compares it in upper case; a create stores and echoes
// it, so it must be given in upper case.
std::optional<http::Response> check_order(const json& order, Order& out,
                                          bool any_case_currency = false) {
  if (!order.is_object()) return invalid_argument("order", "Field 'order' must be an object.");
  if (auto bad = unknown_field(order, {"id", "amount", "currency", "payee"}, "order.")) return bad;
  if (auto bad = sms_text_field(order, "id", 64, out.id)) return bad;
  if (auto bad = sms_text_field(order, "payee", 70, out.payee)) return bad;
  if (order.contains("amount")) {
    const json& a = order["amount"];
    out.amount = a.is_string() ? Amount::parse(a.get_ref<const std::string&>()) : std::nullopt;
    if (!out.amount)
      return invalid_argument("order.amount",
                              "Field 'order.amount' must be a decimal string such as \"49.99\".");
  }
  if (order.contains("currency")) {
    const json& c = order["currency"];
    out.currency =
        c.is_string() ? canonical_currency(c.get_ref<const std::string&>()) : std::nullopt;
    if (!out.currency || (!any_case_currency && *out.currency != c.get_ref<const std::string&>()))
      return invalid_argument("order.currency",
                              "Field 'order.currency' must be an ISO 4217 code such as \"EUR\".");
  }
  return std::nullopt;
}

std::optional<http::Response> check_metadata(const json& md) {
  if (!md.is_object() || md.size() > 10)
    return invalid_argument("metadata", "Field 'metadata' must be an object of up to 10 strings.");
  for (auto it = md.begin(); it != md.end(); ++it) {
    if (it.key().empty() || it.key().size() > 40 || !it.value().is_string() ||
        it.value().get<std::string>().size() > 256)
      return invalid_argument("metadata",
                              "Each metadata entry needs a key of 1 to 40 characters and a "
                              "string value of at most 256 characters.");
  }
  return std::nullopt;
}

// The customer for KYC Match: an object of the fields kyc_fields() names, each a string valid
// for its field. The values are never echoed in an error (only the field's name).
Parsed<Customer> parse_customer(const json& c) {
  if (!c.is_object() || c.empty())
    return invalid_argument("customer", "Field 'customer' must be an object with at least one "
                                        "field such as given_name (docs/signals.md).");
  Customer out;
  for (auto it = c.begin(); it != c.end(); ++it) {
    const std::string name = "customer." + it.key();
    const auto field = kyc_field_named(it.key());
    if (!field) return invalid_argument(name, "Unknown field '" + name + "'.");
    if (!it.value().is_string())
      return invalid_argument(name, "Field '" + name + "' must be a string.");
    const std::string& value = it.value().get_ref<const std::string&>();
    if (const auto problem = customer_value_problem(*field, value))
      return invalid_argument(name, "Field '" + name + "' " + *problem + ".");
    out.fields.emplace_back(*field, value);
  }
  return out;
}

}  // namespace

Parsed<json> parse_json_object(const http::Request& req, bool allow_empty) {
  if (req.body.empty() && allow_empty) return json::object();
  const auto ct = req.header("content-type");
  std::string type = ct ? std::string(ct->substr(0, ct->find(';'))) : std::string();
  // unsigned char: the <cctype> functions are undefined for negative char values.
  type.erase(std::remove_if(type.begin(), type.end(),
                            [](unsigned char c) { return std::isspace(c) != 0; }),
             type.end());
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (type != "application/json") {
    http::Response r;
    r.status = 415;
    r.body =
        http::error_body(415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json.");
    return r;
  }
  const StrictJson parsed = parse_strict_json(req.body);
  if (parsed.duplicate_key) {
    // An empty key is named as the body (a field name must not be empty).
    const std::string& key = *parsed.duplicate_key;
    return invalid_argument(key.empty() || key.back() == '.' ? "body" : key,
                            "Field '" + key + "' appears twice in the body.");
  }
  const json& body = parsed.value;
  if (body.is_discarded()) return invalid_argument("body", "The body is not valid JSON.");
  if (!body.is_object()) return invalid_argument("body", "The body must be a JSON object.");
  return body;
}

Parsed<std::string> parse_reason(const json& body, std::string_view why) {
  constexpr std::size_t max_chars = 500;
  const std::string reason = body.contains("reason") && body["reason"].is_string()
                                 ? body["reason"].get<std::string>()
                                 : std::string();
  const auto n = static_cast<std::size_t>(std::count_if(reason.begin(), reason.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // code points, not bytes
  }));
  if (n == 0 || n > max_chars || !safe_sms_value(reason))
    return invalid_argument("reason", "Field 'reason' is required: " + std::string(why) +
                                          ", 1 to 500 characters on one line.");
  return reason;
}

Parsed<CreateRequest> parse_create(const json& body) {
  if (auto bad = unknown_field(body, {"phone_number", "locale", "order", "client_ip", "metadata",
                                      "brand", "purpose", "reason", "customer"}))
    return *bad;
  CreateRequest c;
  if (body.contains("purpose")) {
    const auto purpose = body["purpose"].is_string()
                             ? purpose_from_string(body["purpose"].get<std::string>())
                             : std::nullopt;
    if (!purpose)
      return invalid_argument("purpose",
                              "Field 'purpose' must be \"checkout\" or \"support_call\".");
    c.purpose = *purpose;
  }
  if (c.purpose == Purpose::support_call) {
    auto reason = parse_reason(body, "why support checks the caller's identity");
    if (auto* bad = std::get_if<http::Response>(&reason)) return std::move(*bad);
    c.reason = std::move(std::get<std::string>(reason));
    if (body.contains("order"))
      return invalid_argument("order",
                              "Field 'order' is not allowed for a support_call: its code "
                              "confirms an identity, not a payment.");
  } else if (body.contains("reason")) {
    return invalid_argument("reason", "Field 'reason' is only for purpose \"support_call\".");
  }
  if (!body.contains("phone_number"))
    return invalid_argument("phone_number", "Field 'phone_number' is required.");
  if (auto bad = optional_string(body, "phone_number", 16, c.phone_number)) return *bad;
  if (auto bad = optional_string(body, "locale", 35, c.locale)) return *bad;
  if (!c.locale.empty() && !is_bcp47(c.locale))
    return invalid_argument("locale", "Field 'locale' must be a BCP 47 tag such as \"de-AT\".");
  if (auto bad = optional_string(body, "brand", 32, c.brand)) return *bad;
  if (auto bad = optional_string(body, "client_ip", 45, c.client_ip)) return *bad;
  if (!c.client_ip.empty()) {
    const auto ip = canonical_ip(c.client_ip);
    if (!ip)
      return invalid_argument("client_ip", "Field 'client_ip' must be an IPv4 or IPv6 address.");
    c.client_ip = *ip;
  }
  if (body.contains("order")) {
    Order order;
    if (auto bad = check_order(body["order"], order)) return *bad;
    c.order = std::move(order);
  }
  if (body.contains("metadata")) {
    if (auto bad = check_metadata(body["metadata"])) return *bad;
    c.metadata = body["metadata"];
  }
  if (body.contains("customer")) {
    auto customer = parse_customer(body["customer"]);
    if (auto* bad = std::get_if<http::Response>(&customer)) return std::move(*bad);
    c.customer = std::move(std::get<Customer>(customer));
  }
  return c;
}

Parsed<CheckRequest> parse_check(const json& body) {
  if (auto bad = unknown_field(body, {"code", "order"})) return *bad;
  if (!body.contains("code") || !body["code"].is_string())
    return invalid_argument("code", "Field 'code' is required and must be a string.");
  CheckRequest c{body["code"].get<std::string>()};
  if (body.contains("order")) {
    // Validated as a create's; the terms keep the text as presented (psd2_binding compares the
    // canonical forms).
    const json& order = body["order"];
    Order valid;
    if (auto bad = check_order(order, valid, true)) return *bad;
    c.order.amount = order.value("amount", "");
    c.order.currency = order.value("currency", "");
    c.order.payee = order.value("payee", "");
  }
  const bool alnum = std::all_of(c.code.begin(), c.code.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) != 0;
  });
  if (c.code.size() < 4 || c.code.size() > 10 || !alnum)
    return invalid_argument("code", "Field 'code' must be 4 to 10 letters or digits.");
  return c;
}

std::optional<http::Response> reject_fields(const json& body) {
  return unknown_field(body, {});
}

Parsed<Order> validate_order(const json& order) {
  Order valid;
  if (auto bad = check_order(order, valid)) return std::move(*bad);
  return valid;
}

namespace {

bool is_text_plain(std::string_view content_type) {
  constexpr std::string_view plain = "text/plain";
  return iequals_ascii(content_type.substr(0, plain.size()), plain);
}

bool sent_twice(const http::Request& req, std::string_view lower_name) {
  return std::count_if(req.headers.begin(), req.headers.end(),
                       [&](const auto& h) { return h.first == lower_name; }) > 1;
}

}  // namespace

// Two values would mean two requests: refused, never one of them picked.
Parsed<std::optional<std::string>> idempotency_header(const http::Request& req) {
  if (sent_twice(req, "idempotency-key"))
    return invalid_argument("Idempotency-Key", "Header Idempotency-Key must be sent once.");
  const auto h = req.header("idempotency-key");
  return h ? std::optional<std::string>(*h) : std::nullopt;
}

Parsed<std::string> parse_idempotency_key(const http::Request& req) {
  auto header = idempotency_header(req);
  if (auto* bad = std::get_if<http::Response>(&header)) return std::move(*bad);
  const auto& h = std::get<std::optional<std::string>>(header);
  if (!h) return std::string();
  if (!valid_idempotency_key(*h))
    return invalid_argument("Idempotency-Key",
                            "Header Idempotency-Key must be 1 to 255 visible ASCII characters.");
  return *h;
}

// If-Match: * (whatever is current) or one strong ETag "N"; nullopt inside means "*". A weak
// ETag (W/"N") never matches in a strong comparison (RFC 9110 13.1.1): the version -1, which
// no template has, so the store answers 412 with the current version.
Parsed<std::optional<std::int64_t>> parse_if_match(const http::Request& req) {
  if (sent_twice(req, "if-match"))
    return invalid_argument("If-Match", "Header If-Match must be sent once.");
  const auto h = req.header("if-match");
  if (!h) return error_response(errc::precondition_required);
  std::string_view v = *h;
  if (v == "*") return std::optional<std::int64_t>();
  const bool weak = v.substr(0, 2) == "W/";
  if (weak) v.remove_prefix(2);
  std::int64_t n = -1;
  if (v.size() >= 3 && v.front() == '"' && v.back() == '"') {
    const auto inner = v.substr(1, v.size() - 2);
    const auto [end, ec] = std::from_chars(inner.data(), inner.data() + inner.size(), n);
    if (ec == std::errc() && end == inner.data() + inner.size() && n >= 0)
      return std::optional<std::int64_t>(weak ? -1 : n);
  }
  return invalid_argument("If-Match",
                          "Header If-Match must be the one ETag you read, such as \"3\", or *.");
}

// The template text of a PUT: a JSON body {"text": "..."} or the raw text (text/plain), which
// is how a text with invalid UTF-8 reaches the lint (JSON cannot carry it).
Parsed<std::string> parse_text(const http::Request& req) {
  const auto type = req.header("content-type");
  if (type && is_text_plain(*type)) return req.body;
  auto body = parse_json_object(req, false);
  if (auto* bad = std::get_if<http::Response>(&body)) return std::move(*bad);
  const nlohmann::json& j = std::get<nlohmann::json>(body);
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "text") return invalid_argument(it.key(), "Unknown field '" + it.key() + "'.");
  if (!j.contains("text") || !j["text"].is_string())
    return invalid_argument("text", "Field 'text' is required and must be a string.");
  return j["text"].get<std::string>();
}

Parsed<PreviewRequest> parse_preview(const http::Request& req) {
  auto body = parse_json_object(req, true);
  if (auto* bad = std::get_if<http::Response>(&body)) return std::move(*bad);
  const nlohmann::json& j = std::get<nlohmann::json>(body);
  PreviewRequest p;
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "text" && it.key() != "order")
      return invalid_argument(it.key(), "Unknown field '" + it.key() + "'.");
  if (j.contains("text")) {
    if (!j["text"].is_string()) return invalid_argument("text", "Field 'text' must be a string.");
    p.text = j["text"].get<std::string>();
  }
  if (j.contains("order")) {
    auto order = validate_order(j["order"]);
    if (auto* bad = std::get_if<http::Response>(&order)) return std::move(*bad);
    const Order& o = std::get<Order>(order);
    if (o.amount) p.order.amount = o.amount->text();
    p.order.currency = o.currency.value_or(p.order.currency);
    p.order.payee = o.payee.value_or(p.order.payee);
    p.order.order_id = o.id.value_or(p.order.order_id);
  }
  return p;
}

}  // namespace otpgate::api

#include "generic_protocol.hpp"

#include "generic_config.hpp"

#include "otpgate/crypto/digest.hpp"
#include "otpgate/crypto/openssl.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace otpgate::gateways {
namespace {

using generic::GenericConfig;
using generic::json;
using generic::lower;
using generic::Piece;
using generic::Pointer;
using generic::ReportConfig;
using generic::Slot;
using generic::Template;

std::string_view slot_value(const Piece& p, const SmsMessage& m) {
  switch (p.slot) {
    case Slot::literal:
      return p.literal;
    case Slot::to:
      return m.to;
    case Slot::text:
      return m.text.reveal();
    case Slot::sender:
      return m.sender_id;
    case Slot::reference:
      return m.verification_id;
  }
  return p.literal;
}

std::string render(const Template& t, const SmsMessage& m) {
  std::string out;
  for (const Piece& p : t) out += slot_value(p, m);
  return out;
}

// The value a pointer finds, as text: strings as they are, integers in decimal, else "".
std::string text_at(const json& doc, const std::optional<Pointer>& p) {
  if (!p || !doc.is_structured()) return "";
  try {
    if (!doc.contains(*p)) return "";
    const json& v = doc.at(*p);
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return v.dump();
  } catch (const json::exception&) {  // an array index too large for size_t
  }
  return "";
}

class GenericProtocol final : public VendorProtocol {
 public:
  explicit GenericProtocol(GenericConfig config) : c_(std::move(config)) {}

  HttpRequest build_send(const SmsMessage& m) const override {
    HttpRequest req;
    req.method = c_.method;
    req.url = c_.url;
    req.headers = c_.headers;
    if (c_.form) {
      Fields fields;
      for (const auto& [name, value] : c_.body) fields.emplace_back(name, render(value, m));
      if (c_.method == "GET") {
        req.url += (req.url.find('?') == std::string::npos ? "?" : "&") + form_encode(fields);
        return req;
      }
      req.body = form_encode(fields);
    } else {
      // nlohmann escapes quotes, control characters and invalid UTF-8 (replaced): a message
      // text can never break out of its JSON string.
      json body = json::object();
      for (const auto& [name, value] : c_.body) body[name] = render(value, m);
      req.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
    }
    if (std::none_of(req.headers.begin(), req.headers.end(),
                     [](const auto& h) { return lower(h.first) == "content-type"; }))
      req.headers.emplace_back("Content-Type",
                               c_.form ? "application/x-www-form-urlencoded" : "application/json");
    return req;
  }

  SendAttempt parse_send(const HttpResponse& r, std::int64_t now_ms) const override {
    const auto& ok = c_.success_status;
    if (std::find(ok.begin(), ok.end(), r.status) == ok.end())
      return classify_http_failure(r, now_ms);
    SendAttempt a{.outcome = SendOutcome::accepted};
    if (!c_.message_id) return a;
    // The status code says the gateway took the SMS; failing it for a missing id would send
    // the code twice. Reports can still be matched by reference.
    a.message_id = text_at(json::parse(r.body, nullptr, false), c_.message_id);
    if (a.message_id.empty()) a.reason = "no message id in response";
    return a;
  }

  ReportResult parse_report(const InboundReport& r) const override {
    ReportResult out;
    if (!c_.report || !signature_valid(*c_.report, r)) {
      out.what = ReportResult::kind::bad_signature;
      return out;
    }
    const ReportConfig& rc = *c_.report;
    const json body = json::parse(r.body, nullptr, false);
    const std::string status = text_at(body, rc.status);
    out.report.reference = text_at(body, rc.reference);
    out.report.message_id = text_at(body, rc.message_id);
    if (status.empty() || (out.report.reference.empty() && out.report.message_id.empty()))
      return out;  // malformed
    for (unsigned char ch : status.substr(0, 48))
      if (std::isalnum(ch) || ch == '_' || ch == '-' || ch == '.') out.report.reason += ch;
    const auto it = rc.statuses.find(status);
    out.what = it == rc.statuses.end() ? ReportResult::kind::ignored : ReportResult::kind::ok;
    if (it != rc.statuses.end()) out.report.status = it->second;
    return out;
  }

 private:
  static bool signature_valid(const ReportConfig& rc, const InboundReport& r) {
    std::string given = lower(header_of(r.headers, rc.signature_header));
    if (given.rfind("sha256=", 0) == 0) given.erase(0, 7);
    if (given.empty()) return false;
    const std::string expected = crypto::hex_lower(
        crypto::hmac(crypto::DigestAlgorithm::sha256, rc.secret.reveal(), r.body));
    return crypto::constant_time_equal(expected, given);
  }

  GenericConfig c_;
};

}  // namespace

std::unique_ptr<VendorProtocol> make_generic_protocol(const GatewayDefinition& d,
                                                      const EnvLookup& env) {
  refuse_unknown_settings(d, {"url", "method", "headers", "body_format", "body", "success_status",
                              "message_id_pointer", "report", "report_url"});
  return std::make_unique<GenericProtocol>(generic::parse_config(d, env));
}

}  // namespace otpgate::gateways

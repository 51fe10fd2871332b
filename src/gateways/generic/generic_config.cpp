#include "generic_config.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string_view>

namespace otpgate::gateways::generic {
namespace {

bool is_env_name(std::string_view s) {
  return !s.empty() && !std::isdigit(static_cast<unsigned char>(s[0])) &&
         std::all_of(s.begin(), s.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

bool is_token(std::string_view s) {  // RFC 9110 §5.6.2 tchar
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

// Settings errors name the setting and the rule, never a value: values may be credentials.
class Checker {
 public:
  Checker(const GatewayDefinition& d, const EnvLookup& env) : d_(d), env_(env) {}

  [[noreturn]] void fail(const std::string& path, const std::string& why) const {
    throw std::invalid_argument("/gateways/" + d_.name + "/" + path + ": " + why);
  }

  // Replaces every ${NAME} (NAME: [A-Za-z_][A-Za-z0-9_]*) in s with the environment variable
  // NAME. Anything else, "${" included, is literal text: a literal token may contain it.
  std::string expand_env(const std::string& path, std::string_view s) const {
    std::string out;
    for (std::size_t pos = 0;;) {
      const auto start = s.find("${", pos);
      out.append(s.substr(pos, start - pos));
      if (start == std::string_view::npos) return out;
      const auto end = s.find('}', start);
      const std::string name(s.substr(start + 2, end == s.npos ? 0 : end - start - 2));
      if (!is_env_name(name)) {
        out.append("${");
        pos = start + 2;
        continue;
      }
      const auto value = env_(name);
      if (!value || value->empty()) fail(path, "environment variable " + name + " is not set");
      out += *value;
      pos = end + 1;
    }
  }

  // "{{to}}" etc. are found in the configured text before ${NAME} is resolved, so a variable's
  // value is never scanned for placeholders (nor shown in an error).
  Template parse_template(const std::string& path, std::string_view s) const {
    Template t;
    for (std::size_t pos = 0;;) {
      const auto open = s.find("{{", pos);
      const std::string literal = expand_env(path, s.substr(pos, open - pos));
      if (!literal.empty()) t.push_back({Slot::literal, literal});
      if (open == std::string_view::npos) return t;
      const auto close = s.find("}}", open);
      if (close == std::string_view::npos) fail(path, "unterminated {{");
      t.push_back({slot_named(path, s.substr(open + 2, close - open - 2)), {}});
      pos = close + 2;
    }
  }

  Pointer pointer(const std::string& path, const json& v) const {
    if (v.is_string() && v.get<std::string>().rfind('/', 0) == 0) {
      try {
        return Pointer(v.get<std::string>());
      } catch (const json::exception&) {  // a malformed escape such as "/a~2"
      }
    }
    fail(path, "must be a JSON pointer such as \"/id\"");
  }

  const GatewayDefinition& def() const { return d_; }

 private:
  Slot slot_named(const std::string& path, std::string_view name) const {
    if (name == "to") return Slot::to;
    if (name == "text") return Slot::text;
    if (name == "sender") return Slot::sender;
    if (name == "reference") return Slot::reference;
    std::string shown;
    for (unsigned char c : name.substr(0, 32))
      if (std::isalnum(c) || c == '_' || c == ' ') shown.push_back(static_cast<char>(c));
    fail(path, "unknown placeholder {{" + shown +
                   "}}; allowed: {{to}}, {{text}}, {{sender}}, {{reference}}");
  }

  const GatewayDefinition& d_;
  const EnvLookup& env_;
};

const json* setting(const GatewayDefinition& d, const char* key) {
  const auto it = d.settings.find(key);
  return it == d.settings.end() ? nullptr : &*it;
}

std::string parse_url(const Checker& c) {
  const json* v = setting(c.def(), "url");
  if (!v || !v->is_string() || v->get<std::string>().empty())
    c.fail("url", "is required and must be a non-empty string");
  std::string url = c.expand_env("url", v->get<std::string>());
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0)
    c.fail("url", "must be an http(s) URL");
  return url;
}

Fields parse_headers(const Checker& c) {
  Fields out;
  const json* v = setting(c.def(), "headers");
  if (!v) return out;
  if (!v->is_object()) c.fail("headers", "must be an object of header name -> string");
  for (const auto& [name, value] : v->items()) {
    const std::string path = "headers/" + name;
    if (!is_token(name)) c.fail(path, "is not a valid header name");
    if (!value.is_string()) c.fail(path, "must be a string");
    std::string text = c.expand_env(path, value.get<std::string>());
    // A CR or LF would let the value (or a variable's value) start a header of its own.
    if (text.find_first_of(std::string("\r\n\0", 3)) != std::string::npos)
      c.fail(path, "must not contain CR, LF or NUL");
    out.emplace_back(name, std::move(text));
  }
  return out;
}

std::vector<BodyField> parse_body(const Checker& c) {
  const json* v = setting(c.def(), "body");
  if (!v || !v->is_object() || v->empty())
    c.fail("body", "is required: an object of field -> template string");
  std::vector<BodyField> out;
  bool has_to = false, has_text = false;
  for (const auto& [name, value] : v->items()) {
    const std::string path = "body/" + name;
    if (!value.is_string()) c.fail(path, "must be a template string");
    BodyField f{name, c.parse_template(path, value.get<std::string>())};
    for (const Piece& p : f.second) {
      has_to = has_to || p.slot == Slot::to;
      has_text = has_text || p.slot == Slot::text;
    }
    out.push_back(std::move(f));
  }
  if (!has_to || !has_text) c.fail("body", "must use {{to}} and {{text}}");
  return out;
}

std::vector<int> parse_success_status(const Checker& c) {
  const json* v = setting(c.def(), "success_status");
  if (!v) return {200, 201, 202};
  if (!v->is_array() || v->empty()) c.fail("success_status", "must be a non-empty array");
  std::vector<int> out;
  for (const json& s : *v) {
    if (!s.is_number_integer() || s.get<int>() < 200 || s.get<int>() > 299)
      c.fail("success_status", "must hold 2xx status codes");
    out.push_back(s.get<int>());
  }
  return out;
}

DeliveryStatus status_named(const Checker& c, const std::string& path, const json& v) {
  for (const auto s : {DeliveryStatus::accepted, DeliveryStatus::delivered,
                       DeliveryStatus::undelivered, DeliveryStatus::failed})
    if (v.is_string() && v.get<std::string>() == to_string(s)) return s;
  c.fail(path, "must be \"accepted\", \"delivered\", \"undelivered\" or \"failed\"");
}

std::map<std::string, DeliveryStatus> parse_statuses(const Checker& c, const json& report) {
  const json statuses = report.value("statuses", json());
  if (!statuses.is_object() || statuses.empty())
    c.fail("report/statuses", "is required: an object of vendor status -> otpgate status");
  std::map<std::string, DeliveryStatus> out;
  for (const auto& [vendor, ours] : statuses.items())
    out[vendor] = status_named(c, "report/statuses/" + vendor, ours);
  return out;
}

std::optional<ReportConfig> parse_report_config(const Checker& c, const EnvLookup& env) {
  const json* v = setting(c.def(), "report");
  if (!v) return std::nullopt;
  if (!v->is_object()) c.fail("report", "must be an object");
  // The report object read with the gateway-level helpers: errors say /gateways/<name>/report/.
  const GatewayDefinition sub{c.def().name + "/report", c.def().type, *v};
  refuse_unknown_settings(sub, {"signature_header", "secret", "reference_pointer",
                                "message_id_pointer", "status_pointer", "statuses"});
  ReportConfig r;
  const std::string header = optional_string(sub, "signature_header", "X-Signature", env);
  if (!is_token(header)) c.fail("report/signature_header", "must be a header name");
  r.signature_header = lower(header);
  const json secret = v->value("secret", json());
  if (!secret.is_string() || secret.get<std::string>().empty())
    c.fail("report/secret", "is required and must be a non-empty string");
  r.secret = Secret<std::string>(c.expand_env("report/secret", secret.get<std::string>()));
  auto pointer_at = [&](const char* key) -> std::optional<Pointer> {
    if (!v->contains(key)) return std::nullopt;
    return c.pointer(std::string("report/") + key, v->at(key));
  };
  r.status = pointer_at("status_pointer");
  r.reference = pointer_at("reference_pointer");
  r.message_id = pointer_at("message_id_pointer");
  if (!r.status) c.fail("report/status_pointer", "is required");
  // Reports find their verification through the reference the send put into the body
  // ({{reference}}); a message id alone cannot be matched without a lookup table.
  if (!r.reference) c.fail("report/reference_pointer", "is required");
  r.statuses = parse_statuses(c, *v);
  return r;
}

}  // namespace

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

GenericConfig parse_config(const GatewayDefinition& d, const EnvLookup& env) {
  const Checker c(d, env);
  GenericConfig g;
  g.method = optional_string(d, "method", "POST", env);
  if (g.method != "POST" && g.method != "PUT" && g.method != "GET")
    c.fail("method", "must be \"POST\", \"PUT\" or \"GET\"");
  g.url = parse_url(c);
  g.headers = parse_headers(c);
  const std::string format = optional_string(d, "body_format", "json", env);
  if (format != "json" && format != "form") c.fail("body_format", "must be \"json\" or \"form\"");
  if (g.method == "GET" && setting(d, "body_format") && format == "json")
    c.fail("body_format", "a GET sends the body fields as the query string: use \"form\"");
  g.form = format == "form" || g.method == "GET";
  g.body = parse_body(c);
  g.success_status = parse_success_status(c);
  if (const json* p = setting(d, "message_id_pointer"))
    g.message_id = c.pointer("message_id_pointer", *p);
  g.report = parse_report_config(c, env);
  return g;
}

}  // namespace otpgate::gateways::generic

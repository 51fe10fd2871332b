#include "otpgate/api/router.hpp"
#include "otpgate/core/analytics_query.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <ctime>
#include <string_view>

namespace otpgate::api {

std::string rfc3339(std::int64_t ms) {
  return analytics::format_rfc3339(ms);
}

namespace {

// The metadata is opaque text (the validated object as the create stored it).
nlohmann::json object_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  auto j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? nlohmann::json(nullptr) : j;
}

// Appends JSON to a string, one value after another: the caller writes an object's keys in
// sorted order, as nlohmann's default (std::map) objects hold them.
class JsonText {
 public:
  explicit JsonText(std::string& out) : out_(out) {}
  JsonText& open() {
    out_.push_back('{');
    first_ = true;
    return *this;
  }
  JsonText& close() {
    out_.push_back('}');
    first_ = false;
    return *this;
  }
  JsonText& key(std::string_view k) {
    if (!first_) out_.push_back(',');
    first_ = false;
    string(k);
    out_.push_back(':');
    first_ = true;  // the value that follows needs no comma
    return *this;
  }
  void string(std::string_view s) {
    // Printable ASCII without quote or backslash is its own JSON; anything else as dump writes
    // it (escapes, invalid UTF-8 replaced).
    const bool plain = std::all_of(
        s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\'; });
    if (plain) {
      out_.push_back('"');
      out_.append(s);
      out_.push_back('"');
    } else {
      out_.append(dump(nlohmann::json(std::string(s))));
    }
    first_ = false;
  }
  void number(std::int64_t n) {
    out_.append(std::to_string(n));
    first_ = false;
  }
  void null() {
    out_.append("null");
    first_ = false;
  }
  void document(const nlohmann::json& value) {
    out_.append(dump(value));
    first_ = false;
  }

 private:
  static std::string dump(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  std::string& out_;
  bool first_ = true;
};

}  // namespace

// The answer is written as text, in the order and form nlohmann's dump of the same document
// gives (keys sorted, no spaces, invalid UTF-8 replaced): building the document and dumping it was
// a tenth of a create's own work. tests/component/api/verification_json_test.cpp holds the text
// equal to that dump.
std::string verification_json_text(const VerificationRecord& r, std::int64_t now_ms) {
  const Status status = effective_status(r, now_ms);
  const auto next_resend = next_resend_ms(r, now_ms);
  std::string out;
  out.reserve(640);
  JsonText j(out);
  j.open();
  // The approval a client may never have heard of (its check's answer lost to a timeout): GET
  // shows when it happened.
  j.key("approved_at");
  if (status == Status::approved && r.finished_ms > 0)
    j.string(rfc3339(r.finished_ms));
  else
    j.null();
  j.key("attempts_left").number(status == Status::pending ? attempts_left(r) : 0);
  j.key("brand").string(r.brand);
  j.key("created_at").string(rfc3339(r.created_ms));
  j.key("delivery").open();
  j.key("gateway").string(r.gateway);
  j.key("message_id");
  if (r.message_id.empty())
    j.null();
  else
    j.string(r.message_id);
  j.key("status").string(to_string(r.delivery_status));
  j.close();
  j.key("expires_at").string(rfc3339(r.expires_ms));
  j.key("id").string(r.id.str());
  j.key("locale").string(r.locale);
  j.key("metadata").document(object_or_null(r.metadata_json));
  j.key("order").document(r.order ? order_to_json(*r.order) : nlohmann::json(nullptr));
  j.key("phone_number").string(r.phone.masked());
  j.key("purpose").string(to_string(r.id.purpose()));
  j.key("resend_available_at");
  if (next_resend)
    j.string(rfc3339(*next_resend));
  else
    j.null();
  j.key("sends_left").number(status == Status::pending ? sends_left(r) : 0);
  j.key("signals").document(r.signals ? signals_to_json(*r.signals) : nlohmann::json(nullptr));
  j.key("status").string(to_string(status));
  j.close();
  return out;
}

void append_verification(std::string& error_body, std::string_view verification) {
  // "verification" sorts after every other key of an error body (attempts_left, code, field,
  // limit, message, status): added last, the body is the dump of the whole document.
  if (error_body.size() < 2 || error_body.back() != '}') return;
  error_body.pop_back();
  if (error_body.size() > 1) error_body.push_back(',');
  error_body.append("\"verification\":");
  error_body.append(verification);
  error_body.push_back('}');
}

}  // namespace otpgate::api

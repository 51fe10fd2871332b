#include "support/fake_operator.hpp"

#include "otpgate/core/ascii.hpp"
#include "otpgate/core/form_encoding.hpp"
#include "otpgate/core/signals.hpp"
#include "otpgate/crypto/digest.hpp"
#include "support/openapi_validator.hpp"

#include <nlohmann/json.hpp>

#include <mutex>
#include <set>

namespace otpgate::test {
namespace {

using json = nlohmann::json;

const std::string token_path = "/oauth2/token";
const std::string sim_swap_path = "/sim-swap/v2/check";
const std::string kyc_path = "/kyc-match/v0.4/match";

// OTPGATE_CAMARA_JSON_DIR: specs/camara's YAML as JSON (tests/CMakeLists.txt converts them).
const OpenApiValidator& spec(FakeOperator::Endpoint e) {
  static const OpenApiValidator sim_swap =
      OpenApiValidator::from_file(OTPGATE_CAMARA_JSON_DIR "/sim-swap.json");
  static const OpenApiValidator kyc =
      OpenApiValidator::from_file(OTPGATE_CAMARA_JSON_DIR "/kyc-match.json");
  return e == FakeOperator::Endpoint::kyc ? kyc : sim_swap;
}

FakeReply json_reply(int status, const json& body) {
  FakeReply r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json"}};
  r.body = body.dump();
  return r;
}

// CAMARA's ErrorInfo.
FakeReply camara_error(int status, const std::string& code, const std::string& message) {
  return json_reply(status, {{"status", status}, {"code", code}, {"message", message}});
}

bool has_score(const std::string& camara) {
  for (const auto& f : kyc_fields())
    if (f.camara == camara) return f.has_score;
  return false;
}

}  // namespace

struct FakeOperator::State {
  mutable std::mutex mutex;
  std::map<std::string, std::optional<int>> sim_swaps;
  std::map<std::string, KycRecord> kyc;
  std::optional<KycRecord> anyone;  // answer_unknown_numbers: the record of every other number
  std::map<Endpoint, std::vector<Fault>> faults;  // front first
  std::map<Endpoint, Fault> always;               // fail(..., times < 0)
  std::map<Endpoint, std::chrono::milliseconds> delays;
  std::map<Endpoint, std::size_t> calls;
  std::set<std::string> tokens;  // issued and not expired
  std::uint64_t issued = 0;
  std::vector<std::string> problems;

  std::optional<Fault> take_fault(Endpoint e) {
    if (auto it = always.find(e); it != always.end()) return it->second;
    auto& queue = faults[e];
    if (queue.empty()) return std::nullopt;
    Fault f = queue.front();
    queue.erase(queue.begin());
    return f;
  }
};

FakeOperator::FakeOperator(Options options)
    : options_(std::move(options)), state_(std::make_unique<State>()) {
  server_ =
      std::make_unique<FakeHttpServer>([this](const RecordedRequest& r) { return handle(r); });
}

FakeOperator::~FakeOperator() {
  server_.reset();  // stops serving before the state goes
}

std::string FakeOperator::base_url() const {
  return server_->base_url();
}
std::string FakeOperator::token_url() const {
  return server_->base_url() + token_path;
}
unsigned short FakeOperator::port() const {
  return server_->port();
}

void FakeOperator::set_sim_swap(const std::string& phone, std::optional<int> hours_ago) {
  std::lock_guard lock(state_->mutex);
  state_->sim_swaps[phone] = hours_ago;
}

void FakeOperator::set_kyc(const std::string& phone, KycRecord record) {
  std::lock_guard lock(state_->mutex);
  state_->kyc[phone] = std::move(record);
}

void FakeOperator::answer_unknown_numbers(KycRecord record) {
  std::lock_guard lock(state_->mutex);
  state_->anyone = std::move(record);
}

void FakeOperator::load_demo_table() {
  set_sim_swap("+4915112300001", 2);
  set_kyc("+4915112300001", {{"givenName", {"Max", 40}}, {"familyName", {"Mustermann", 60}}});
  set_sim_swap("+4915112300002", std::nullopt);
  set_kyc("+4915112300002", {{"givenName", {"Erika", 70}},
                             {"familyName", {"Mustermann", 80}},
                             {"birthdate", {"1964-08-12"}},
                             {"postalCode", {"10115"}},
                             {"locality", {"Berlin", 75}}});
  set_sim_swap("+4915112300003", 500);
}

void FakeOperator::fail(Endpoint endpoint, Fault fault, int times) {
  std::lock_guard lock(state_->mutex);
  if (times < 0) state_->always[endpoint] = fault;
  for (int i = 0; i < times; ++i) state_->faults[endpoint].push_back(fault);
}

void FakeOperator::clear_faults() {
  std::lock_guard lock(state_->mutex);
  state_->faults.clear();
  state_->always.clear();
}

void FakeOperator::set_delay(Endpoint endpoint, std::chrono::milliseconds delay) {
  std::lock_guard lock(state_->mutex);
  state_->delays[endpoint] = delay;
}

void FakeOperator::expire_tokens() {
  std::lock_guard lock(state_->mutex);
  state_->tokens.clear();
}

std::size_t FakeOperator::calls(Endpoint endpoint) const {
  std::lock_guard lock(state_->mutex);
  const auto it = state_->calls.find(endpoint);
  return it == state_->calls.end() ? 0 : it->second;
}

std::vector<std::string> FakeOperator::request_problems() const {
  std::lock_guard lock(state_->mutex);
  return state_->problems;
}

namespace {

// The token endpoint's answer (RFC 6749 §4.4, §5): Basic client authentication.
FakeReply token_reply(const RecordedRequest& r, const FakeOperator::Options& o,
                      std::string& issued_token, std::uint64_t n) {
  const std::string auth = r.header("authorization");
  const auto decoded =
      auth.rfind("Basic ", 0) == 0 ? crypto::base64_decode(auth.substr(6)) : std::nullopt;
  const std::string expected = url_encode(o.client_id) + ":" + url_encode(o.client_secret);
  if (!decoded || *decoded != expected) return json_reply(401, {{"error", "invalid_client"}});
  const auto form = form_decode(r.body);
  if (!form || std::find(form->begin(), form->end(),
                         std::pair<std::string, std::string>("grant_type", "client_credentials")) ==
                   form->end())
    return json_reply(400, {{"error", "unsupported_grant_type"}});
  issued_token = "tok-" + std::to_string(n);
  return json_reply(200, {{"access_token", issued_token},
                          {"token_type", "Bearer"},
                          {"expires_in", o.token_lifetime.count()}});
}

json kyc_answer(const json& request, const FakeOperator::KycRecord& record) {
  json out = json::object();
  for (const auto& [name, value] : request.items()) {
    if (name == "phoneNumber") continue;
    const auto it = record.find(name);
    if (it == record.end() || !value.is_string()) continue;  // not on record: left out
    const bool same = iequals_ascii(it->second.value, value.get<std::string>());
    out[name + "Match"] = same ? "true" : "false";
    if (!same && has_score(name)) out[name + "MatchScore"] = it->second.score;
  }
  return out;
}

}  // namespace

FakeReply FakeOperator::handle(const RecordedRequest& r) {
  const std::string path = r.target.substr(0, r.target.find('?'));
  const std::optional<Endpoint> endpoint = path == token_path ? std::optional(Endpoint::token)
                                           : path == sim_swap_path
                                               ? std::optional(Endpoint::sim_swap)
                                           : path == kyc_path ? std::optional(Endpoint::kyc)
                                                              : std::nullopt;
  std::lock_guard lock(state_->mutex);
  if (!endpoint) {
    state_->problems.push_back(r.method + " " + r.target + ": not an endpoint of the operator");
    return camara_error(404, "NOT_FOUND", "no such endpoint");
  }
  ++state_->calls[*endpoint];
  if (*endpoint != Endpoint::token) {
    const std::string doc_path = *endpoint == Endpoint::kyc ? "/match" : "/check";
    for (auto& p :
         spec(*endpoint).validate_request(r.method, doc_path, r.header("content-type"), r.body))
      state_->problems.push_back(p);
  }
  // A scripted failure replaces the answer: a token endpoint that fails issues no token.
  const auto fault = state_->take_fault(*endpoint);
  FakeReply reply =
      fault && (fault->status != 0 || fault->hang)
          ? camara_error(fault->status ? fault->status : 500, "SCRIPTED", "a scripted failure")
          : answer(*endpoint, r);
  if (fault) {
    reply.hang = fault->hang;
    reply.delay = fault->delay;
  }
  const auto delay = state_->delays.find(*endpoint);
  if (delay != state_->delays.end()) reply.delay = std::max(reply.delay, delay->second);
  return reply;
}

FakeReply FakeOperator::answer(Endpoint endpoint, const RecordedRequest& r) {
  if (endpoint == Endpoint::token) {
    std::string token;
    FakeReply reply = token_reply(r, options_, token, ++state_->issued);
    if (!token.empty()) state_->tokens.insert(token);
    return reply;
  }
  const std::string auth = r.header("authorization");
  if (auth.rfind("Bearer ", 0) != 0 || !state_->tokens.count(auth.substr(7)))
    return camara_error(401, "UNAUTHENTICATED", "the access token is missing, invalid or expired");
  const json body = json::parse(r.body, nullptr, false);
  if (!body.is_object() || !body.contains("phoneNumber") || !body["phoneNumber"].is_string())
    return camara_error(400, "INVALID_ARGUMENT", "phoneNumber is missing");
  const std::string phone = body["phoneNumber"].get<std::string>();
  if (endpoint == Endpoint::sim_swap) {
    const auto it = state_->sim_swaps.find(phone);
    if (it == state_->sim_swaps.end() && state_->anyone)
      return json_reply(200, {{"swapped", false}});
    if (it == state_->sim_swaps.end())
      return camara_error(404, "IDENTIFIER_NOT_FOUND", "the phone number is not known");
    const int max_age = body.value("maxAge", 240);
    return json_reply(200, {{"swapped", it->second.has_value() && *it->second <= max_age}});
  }
  const auto it = state_->kyc.find(phone);
  if (it == state_->kyc.end() && state_->anyone)
    return json_reply(200, kyc_answer(body, *state_->anyone));
  if (it == state_->kyc.end())
    return camara_error(404, "IDENTIFIER_NOT_FOUND", "the phone number is not known");
  return json_reply(200, kyc_answer(body, it->second));
}

}  // namespace otpgate::test

// A create whose SMS was never sent, on the real binary with a private Redis: the create that
// answered 503 while Redis was held by SIGSTOP leaves nothing its retry does not finish, a
// create whose process died before sending is finished by its idempotent retry (the same
// verification, one SMS, one token of the phone's limit) or ends send_failed at its delivery
// deadline (docs/architecture.md, "A create's faults").
#include "e2e_helpers.hpp"

#include "support/metrics_text.hpp"
#include "support/redis_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cmath>
#include <sstream>
#include <thread>

using namespace otpgate::test;
using namespace std::chrono_literals;

namespace {

// A TCP listener that accepts connections and never answers: a gateway that hangs.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() {
    for (const int c : held_) ::close(c);
    ::close(fd_);
  }
  unsigned short port() const { return port_; }
  // Waits until a connection arrives (the send has started), at most `limit`.
  bool wait_connection(std::chrono::milliseconds limit) {
    timeval tv{static_cast<time_t>(limit.count() / 1000),
               static_cast<suseconds_t>(limit.count() % 1000 * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const int c = ::accept(fd_, nullptr, nullptr);
    if (c >= 0) held_.push_back(c);
    return c >= 0;
  }

 private:
  int fd_ = -1;
  unsigned short port_ = 0;
  std::vector<int> held_;  // the connections accepted, left unanswered
};

// A brand of its own with a short delivery deadline, a shop and a support key, on a private
// Redis. The first process sends through `gateway`; later ones through `file`.
struct FaultWorld {
  TempBrands brands;
  std::string brand = unique_brand("flt");
  RedisServer redis;
  explicit FaultWorld(const std::string& gateway = "file", int deadline_ms = 100) {
    set_gateway(gateway, deadline_ms);
    brands.add_key("shop", brand, "shop");
    brands.add_key("support", brand, "support");
  }
  void set_gateway(const std::string& gateway, int deadline_ms) {
    const std::string d = std::to_string(deadline_ms);
    brands.add(brand, R"({"display_name":"Flt","sender_id":"Flt","locales":["en"],
        "default_locale":"en","allowed_countries":["DE"],"gateways":[")" +
                          gateway + R"("],
        "limits":{"phone_sends_per_10_minutes":5,"phone_sends_per_day":10},
        "delivery":{"deadline_ms":)" +
                          d + R"(,"attempt_timeout_ms":)" + d + R"(,"retries":0}})");
  }
  OtpgateOptions options(unsigned short silent_port = 0) const {
    OtpgateOptions o = brands.options();
    o.redis_port = redis.port();
    o.env["OTPGATE_REDIS_TIMEOUT_MS"] = "300";
    if (silent_port != 0) {
      const nlohmann::json hang = {
          {"type", "generic"},
          {"url", "http://127.0.0.1:" + std::to_string(silent_port) + "/send"},
          {"body", {{"to", "{{to}}"}, {"text", "{{text}}"}}},
          {"message_id_pointer", "/id"}};
      std::ofstream(brands.dir() + "/gateways.json")
          << nlohmann::json{{"gateways", {{"hang", hang}}}};
      o.env["OTPGATE_GATEWAYS_FILE"] = brands.dir() + "/gateways.json";
    }
    return o;
  }
  HttpResponse create(const OtpgateProcess& p, const std::string& phone,
                      const std::string& key) const {
    const Headers h = {bearer(brands.key("shop")), {"Idempotency-Key", key}};
    return http_post_json(p.base_url() + "/v1/verifications", {{"phone_number", phone}}, h);
  }
  // The retry a shop makes: again while the key is in use (409), at most `limit` long.
  HttpResponse retry(const OtpgateProcess& p, const std::string& phone, const std::string& key,
                     std::chrono::seconds limit = 30s) const {
    const auto end = std::chrono::steady_clock::now() + limit;
    auto r = create(p, phone, key);
    while (r.status == 409 && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(250ms);
      r = create(p, phone, key);
    }
    return r;
  }
  nlohmann::json subscriber(const OtpgateProcess& p, const std::string& phone) const {
    const auto r = http_get(p.base_url() + "/v1/brands/" + brand + "/subscribers/" + phone,
                            {bearer(brands.key("support"))});
    INFO(r.body);
    REQUIRE(r.status == 200);
    return r.json();
  }
  // The tokens the phones' daily limits hold (10 a day: one per 8,640 s of their GCRA
  // arrival time ahead of now), over every phone this world's Redis has seen.
  long daily_tokens_taken() const {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    long tokens = 0;
    std::istringstream keys(redis.cli({"--scan", "--pattern", "otp:*:rl:86400"}));
    for (std::string key; std::getline(keys, key);) {
      const long long tat = std::stoll(redis.cli({"GET", key}));
      tokens += std::lround(static_cast<double>(tat - now) / 8'640'000.0);
    }
    return tokens;
  }
  HttpResponse get(const OtpgateProcess& p, const std::string& id) const {
    return http_get(p.base_url() + "/v1/verifications/" + id, {bearer(brands.key("shop"))});
  }
  // A create whose process is killed while its SMS is on the way to a gateway that never
  // answers: Redis holds a pending verification nobody sent. Answers its id.
  void ghost(const std::string& phone, const std::string& key) {
    SilentListener silent;
    set_gateway("hang", 3000);
    OtpgateProcess first(options(silent.port()));
    std::thread request([&] { create(first, phone, key); });
    const bool sending = silent.wait_connection(10s);
    first.stop(SIGKILL);
    first.wait_exit();
    request.join();
    REQUIRE(sending);
    set_gateway("file", 3000);
  }
};

}  // namespace

TEST_CASE("a create that answered 503 while Redis stood still leaves one verification, sent once",
          "[e2e][create-faults][idempotency]") {
  FaultWorld w;
  OtpgateProcess p(w.options());
  REQUIRE(w.create(p, fresh_phone(), "warm-up").status == 201);  // scripts loaded
  const std::string phone = fresh_phone();
  w.redis.pause();
  const auto first = w.create(p, phone, "order-1");
  w.redis.resume();
  REQUIRE(p.wait_ready(10s));
  REQUIRE(first.status == 503);
  const auto retried = w.retry(p, phone, "order-1");
  INFO(retried.body);
  REQUIRE(retried.status == 201);
  CHECK(retried.json()["delivery"]["status"] == "accepted");
  CHECK(sms_to(p, phone) == 1);
  const auto after = w.subscriber(p, phone);
  INFO(after.dump());
  CHECK(after["recent_verifications"].size() == 1);  // no verification left unsent
  CHECK(after["sends_today"] == 1);
  CHECK(w.daily_tokens_taken() == 2);  // the warm-up's and this phone's one
  const auto replay = w.create(p, phone, "order-1");
  CHECK(replay.status == 200);
  CHECK(replay.json()["id"] == retried.json()["id"]);
  CHECK(sms_to(p, phone) == 1);
}

TEST_CASE("a create whose process died before the send is sent by its retry: same id, one token",
          "[e2e][create-faults][idempotency]") {
  FaultWorld w;
  const std::string phone = fresh_phone();
  w.ghost(phone, "order-2");
  OtpgateProcess p(w.options());
  const auto ghost = w.subscriber(p, phone)["recent_verifications"];
  REQUIRE(ghost.size() == 1);
  CHECK(ghost[0]["status"] == "pending");
  CHECK(ghost[0]["delivery_status"] == "queued");
  // 409 while the dead request's claim runs (3 s + 5 s), then the retry sends the same one.
  const auto retried = w.retry(p, phone, "order-2");
  INFO(retried.body);
  REQUIRE(retried.status == 201);
  CHECK(retried.json()["id"] == ghost[0]["id"]);
  CHECK(retried.json()["delivery"]["status"] == "accepted");
  CHECK(sms_to(p, phone) == 1);
  const auto after = w.subscriber(p, phone);
  CHECK(after["recent_verifications"].size() == 1);
  CHECK(after["sends_today"] == 1);
  CHECK(w.daily_tokens_taken() == 1);  // the dead request's token stands for this send
  const auto replay = w.create(p, phone, "order-2");
  CHECK(replay.status == 200);
  CHECK(replay.json()["id"] == ghost[0]["id"]);
  CHECK(replay.json()["delivery"]["status"] == "accepted");
  CHECK(sms_to(p, phone) == 1);
}

TEST_CASE("a create nobody finishes is send_failed after its deadline, and a replay says so",
          "[e2e][create-faults][idempotency]") {
  FaultWorld w;
  const std::string phone = fresh_phone();
  w.ghost(phone, "order-3");
  OtpgateProcess p(w.options());
  const auto ghost = w.subscriber(p, phone)["recent_verifications"];
  REQUIRE(ghost.size() == 1);
  const std::string id = ghost[0]["id"];
  // The deadline passes with nobody retrying (the claim: 5 s, the 0.1 s delivery deadline and
  // 20 s to record a send; then 5 s for a retry), and the sweep ends it.
  const auto end = std::chrono::steady_clock::now() + 45s;
  while (w.get(p, id).json()["status"] == "pending" && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(250ms);
  const auto ended = w.get(p, id);
  INFO(ended.body);
  CHECK(ended.json()["status"] == "send_failed");
  CHECK(ended.json()["delivery"]["status"] == "failed");
  // Counted as any send failure.
  const std::string metrics = http_get(p.base_url() + "/metrics").body;
  CHECK(sample(metrics, R"(otpgate_verifications_ended_total{brand=")" + w.brand +
                            R"(",outcome="send_failed"})") == 1);
  // A late retry hears what happened: no SMS went out, and none goes out now.
  const auto replay = w.create(p, phone, "order-3");
  INFO(replay.body);
  CHECK(replay.status == 502);
  CHECK(replay.json()["code"] == "SMS_DELIVERY_FAILED");
  CHECK(sms_to(p, phone) == 0);
  CHECK(w.subscriber(p, phone)["recent_verifications"].size() == 1);
}

// The real otpgate binary for end-to-end tests, on a free port, with its own temp dir.
#pragma once

#include <chrono>
#include <csignal>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace otpgate::test {

// The secret every OtpgateProcess gets unless overridden (OTPGATE_SECRET, 64 hex digits).
inline constexpr const char* test_secret =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

struct OtpgateOptions {
  // Redis port for OTPGATE_REDIS; 0 means shared_redis_port() (the run's shared Redis).
  unsigned short redis_port = 0;
  // Variables set on top of (or instead of) the defaults below.
  std::map<std::string, std::string> env;
  // Default variables to leave out entirely, e.g. {"OTPGATE_SECRET"} to test start-up checks.
  std::vector<std::string> unset;
  // Wait for GET /healthz == 200 in the constructor (throws with the log's tail otherwise).
  // Set to false to test a start-up that is meant to fail; then call wait_exit().
  bool wait_healthy = true;
  // Then also wait for GET /readyz == 200 (every io thread's Redis link is up). Set to false
  // when the test's Redis is meant to be unreachable at start.
  bool wait_ready = true;
  std::chrono::milliseconds start_timeout = std::chrono::seconds(20);
};

// Starts OTPGATE_BINARY with this environment (each overridable through OtpgateOptions):
//   OTPGATE_LISTEN=127.0.0.1:<free port>   OTPGATE_REDIS=127.0.0.1:<redis port>
//   OTPGATE_SECRET=test_secret             OTPGATE_THREADS=2
//   OTPGATE_BRANDS_DIR=<repo>/brands       OTPGATE_TEMPLATES_DIR=<repo>/templates
//   OTPGATE_API_KEYS_FILE=<repo>/config/dev-api-keys.json
//   OTPGATE_SMS_OUTBOX=<temp dir>/outbox.jsonl
// The temp dir (/tmp/otpgate-test-XXXXXX, holding otpgate.log and the outbox) is removed by
// the destructor unless OTPGATE_KEEP_TEST_DIRS is set. The destructor sends SIGTERM, waits
// up to 5 s, then SIGKILLs.
class OtpgateProcess {
 public:
  explicit OtpgateProcess(OtpgateOptions options = {});
  ~OtpgateProcess();
  OtpgateProcess(const OtpgateProcess&) = delete;
  OtpgateProcess& operator=(const OtpgateProcess&) = delete;

  unsigned short port() const { return port_; }
  // "http://127.0.0.1:<port>"
  std::string base_url() const;
  // The temp dir of this instance.
  const std::string& dir() const { return dir_; }
  // The environment the binary was started with.
  const std::map<std::string, std::string>& env() const { return env_; }
  std::string outbox_path() const;
  std::string log_path() const;
  // Everything the process wrote to stdout and stderr so far.
  std::string log_text() const;
  // The last `lines` lines of the log (for failure messages).
  std::string log_tail(std::size_t lines = 40) const;
  // Every line of the SMS outbox parsed as JSON (empty when nothing was sent yet).
  std::vector<nlohmann::json> outbox_lines() const;

  Process& process() { return *process_; }
  bool running() { return process_->running(); }
  // Sends `sig`; false when the process has already exited.
  bool stop(int sig = SIGTERM);
  // As Process::wait_exit: the exit status, 128+N after signal N, nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Polls GET /healthz until 200 or `timeout`; throws with the log's tail on failure or when
  // the process exits first.
  void wait_healthy(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Polls GET /readyz until 200 or `timeout`; false on timeout or when the process exited.
  bool wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(20));

 private:
  void start(const OtpgateOptions& options);

  std::string dir_;
  unsigned short port_ = 0;
  std::map<std::string, std::string> env_;
  std::optional<Process> process_;
};

// The repository root (OTPGATE_SOURCE_DIR).
std::string source_dir();

// KEY=VALUE pairs of <repo>/scripts/dev-keys.env (blank lines and # comments skipped),
// e.g. dev_keys().at("OTPGATE_DEMO_SHOP_KEY").
std::map<std::string, std::string> dev_keys();

}  // namespace otpgate::test

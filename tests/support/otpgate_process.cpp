#include "support/otpgate_process.hpp"

#include "support/api_contract.hpp"

#include <catch2/catch.hpp>

#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/http_client.hpp"
#include "support/redis_server.hpp"

#ifndef OTPGATE_BINARY
#error "OTPGATE_BINARY must name the otpgate executable (set by tests/CMakeLists.txt)"
#endif
#ifndef OTPGATE_SOURCE_DIR
#error "OTPGATE_SOURCE_DIR must name the repository root (set by tests/CMakeLists.txt)"
#endif

namespace otpgate::test {
namespace {

std::string make_temp_dir() {
  std::string pattern = "/tmp/otpgate-test-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed for " + pattern);
  }
  return pattern;
}

void remove_temp_dir(const std::string& dir) {
  if (std::getenv("OTPGATE_KEEP_TEST_DIRS") != nullptr) return;
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool contains_ci(std::string haystack, std::string needle) {
  auto lower = [](std::string& s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  };
  lower(haystack);
  lower(needle);
  return haystack.find(needle) != std::string::npos;
}

// The port of a "host:port" listen address, if it has a valid one.
std::optional<unsigned short> listen_port(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  unsigned long port = 0;
  const char* first = address.data() + colon + 1;
  const char* last = address.data() + address.size();
  const auto [end, ec] = std::from_chars(first, last, port);
  if (ec != std::errc{} || end != last || port == 0 || port > 65535) return std::nullopt;
  return static_cast<unsigned short>(port);
}

constexpr auto poll_interval = std::chrono::milliseconds(50);
constexpr int max_start_attempts = 3;

}  // namespace

std::string source_dir() {
  return OTPGATE_SOURCE_DIR;
}

std::map<std::string, std::string> dev_keys() {
  const std::string path = source_dir() + "/scripts/dev-keys.env";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::map<std::string, std::string> keys;
  std::string line;
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto eq = line.find('=', first);
    if (eq == std::string::npos) continue;
    std::string value = line.substr(eq + 1);
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) {
      value.pop_back();
    }
    keys[line.substr(first, eq - first)] = value;
  }
  return keys;
}

OtpgateProcess::OtpgateProcess(OtpgateOptions options) : dir_(make_temp_dir()) {
  // Why retry: the free port is only free until someone binds it; when another test took it
  // first, otpgate exits with "address already in use" and a new port is picked.
  for (int attempt = 1;; ++attempt) {
    start(options);
    if (!options.wait_healthy) return;
    try {
      wait_healthy(options.start_timeout);
      // Healthy is only "the process answers": a request before every thread's Redis link is
      // up gets 503, so a test's first burst waits for /readyz too.
      if (options.wait_ready && !wait_ready(options.start_timeout))
        throw std::runtime_error("otpgate on " + base_url() + " not ready; log tail (" +
                                 log_path() + "):\n" + log_tail());
      return;
    } catch (const std::exception&) {
      const bool port_taken = !running() && contains_ci(log_text(), "already in use") &&
                              options.env.count("OTPGATE_LISTEN") == 0;
      if (!port_taken || attempt == max_start_attempts) {
        process_.reset();  // no destructor runs for a throwing constructor
        remove_temp_dir(dir_);
        throw;
      }
    }
  }
}

OtpgateProcess::~OtpgateProcess() {
  if (process_ && process_->running()) {
    process_->signal(SIGTERM);
    process_->wait_exit(std::chrono::seconds(5));
  }
  process_.reset();  // SIGKILLs and reaps if SIGTERM was not enough
  remove_temp_dir(dir_);
  // Every answer this process gave the test matched docs/openapi.json, or the test fails here.
  for (const auto& problem : contract::unwatch(port_)) FAIL_CHECK("OpenAPI: " << problem);
}

void OtpgateProcess::start(const OtpgateOptions& options) {
  port_ = free_loopback_port();
  contract::watch(port_);
  const unsigned short redis_port =
      options.redis_port != 0 ? options.redis_port : shared_redis_port();
  const std::string repo = source_dir();
  env_ = {
      {"OTPGATE_LISTEN", "127.0.0.1:" + std::to_string(port_)},
      {"OTPGATE_REDIS", "127.0.0.1:" + std::to_string(redis_port)},
      {"OTPGATE_SECRET", test_secret},
      {"OTPGATE_BRANDS_DIR", repo + "/brands"},
      {"OTPGATE_TEMPLATES_DIR", repo + "/templates"},
      {"OTPGATE_API_KEYS_FILE", repo + "/config/dev-api-keys.json"},
      {"OTPGATE_SMS_OUTBOX", outbox_path()},
      {"OTPGATE_THREADS", "2"},
  };
  for (const auto& name : options.unset) env_.erase(name);
  for (const auto& [name, value] : options.env) env_[name] = value;
  if (const auto it = env_.find("OTPGATE_LISTEN"); it != env_.end()) {
    port_ = listen_port(it->second).value_or(0);  // a test of a bad address has no port
  }
  process_.reset();
  process_.emplace(OTPGATE_BINARY, std::vector<std::string>{}, env_, log_path());
}

std::string OtpgateProcess::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::string OtpgateProcess::outbox_path() const {
  return dir_ + "/outbox.jsonl";
}

std::string OtpgateProcess::log_path() const {
  return dir_ + "/otpgate.log";
}

std::string OtpgateProcess::log_text() const {
  return read_file(log_path());
}

std::string OtpgateProcess::log_tail(std::size_t lines) const {
  const std::string text = log_text();
  std::size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (std::size_t seen = 0; pos > 0; --pos) {
    if (text[pos - 1] == '\n' && ++seen == lines) break;
  }
  return text.substr(pos);
}

std::vector<nlohmann::json> OtpgateProcess::outbox_lines() const {
  std::vector<nlohmann::json> out;
  std::ifstream in(outbox_path());
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      out.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error("outbox line is not JSON (" + std::string(e.what()) + "): " + line);
    }
  }
  return out;
}

bool OtpgateProcess::stop(int sig) {
  return process_->signal(sig);
}

std::optional<int> OtpgateProcess::wait_exit(std::chrono::milliseconds timeout) {
  return process_->wait_exit(timeout);
}

void OtpgateProcess::wait_healthy(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->running()) {
      throw std::runtime_error(
          "otpgate exited with status " + std::to_string(process_->wait_exit({}).value_or(-1)) +
          " before it was healthy; log tail (" + log_path() + "):\n" + log_tail());
    }
    const HttpResponse r = http_get(base_url() + "/healthz", {}, std::chrono::seconds(1));
    if (r.status == 200) return;
    last = r.status == 0 ? r.error : "status " + std::to_string(r.status) + ": " + r.body;
    std::this_thread::sleep_for(poll_interval);
  }
  throw std::runtime_error("otpgate on " + base_url() + " not healthy within " +
                           std::to_string(timeout.count()) + " ms (last: " + last +
                           "); log tail (" + log_path() + "):\n" + log_tail());
}

bool OtpgateProcess::wait_ready(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->running()) return false;
    if (http_get(base_url() + "/readyz", {}, std::chrono::seconds(1)).status == 200) return true;
    std::this_thread::sleep_for(poll_interval);
  }
  return false;
}

}  // namespace otpgate::test

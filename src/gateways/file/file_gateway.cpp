#include "file_gateway.hpp"

#include "otpgate/core/code.hpp"

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <system_error>

namespace otpgate::gateways {
namespace {

std::string iso_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

class FileGateway final : public SmsGateway {
 public:
  explicit FileGateway(const std::string& path) : name_("file") {
    // O_APPEND: each line lands whole at the end even with several threads or processes.
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd_ < 0)
      throw std::system_error(errno, std::generic_category(), "cannot open SMS outbox " + path);
  }
  ~FileGateway() override {
    if (fd_ >= 0) ::close(fd_);
  }
  const std::string& name() const override { return name_; }

  task<SendAttempt> send(const SmsMessage& m, milliseconds) override {
    static std::atomic<unsigned long> counter{0};
    const std::string message_id = "file-" + std::to_string(++counter);
    nlohmann::json line = {{"to", m.to},
                           {"text", m.text.reveal()},
                           {"brand", m.brand},
                           {"verification_id", m.verification_id},
                           {"gateway", name_},
                           {"sender", m.sender_id},
                           {"message_id", message_id},
                           {"at", iso_now()}};
    std::string text = line.dump();
    text.push_back('\n');
    // A local append of a few hundred bytes goes to the page cache and does not block the loop
    // in practice; this gateway is for development and tests only.
    const ssize_t n = ::write(fd_, text.data(), text.size());
    if (n != static_cast<ssize_t>(text.size()))
      co_return SendAttempt{.outcome = SendOutcome::transient, .reason = "write failed"};
    co_return SendAttempt{.outcome = SendOutcome::accepted, .message_id = message_id};
  }

 private:
  std::string name_;
  int fd_ = -1;
};

}  // namespace

std::unique_ptr<SmsGateway> make_file_gateway(const GatewaySettings& settings) {
  return std::make_unique<FileGateway>(settings.outbox_path);
}

}  // namespace otpgate::gateways

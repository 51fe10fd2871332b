// A blocking TCP client for tests that look at bytes and resets, not at a protocol: reads with
// a deadline, tells a FIN from an RST.
#pragma once

#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>

namespace otpgate::test {

// One TCP connection to 127.0.0.1:port.
class TcpClient {
 public:
  explicit TcpClient(unsigned short port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~TcpClient() { ::close(fd_); }
  TcpClient(const TcpClient&) = delete;
  TcpClient& operator=(const TcpClient&) = delete;

  void send(const std::string& s) { REQUIRE(::write(fd_, s.data(), s.size()) == long(s.size())); }

  // What arrives until `want` bytes are in, the peer closes, or `limit` passes.
  std::string read(std::size_t want, std::chrono::milliseconds limit) {
    std::string out;
    const auto until = std::chrono::steady_clock::now() + limit;
    while (out.size() < want) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, int(left.count())) <= 0) break;
      char buf[512];
      const auto n = ::read(fd_, buf, sizeof buf);
      if (n < 0) error_ = errno;
      if (n <= 0) {
        closed_ = true;
        break;
      }
      out.append(buf, std::size_t(n));
    }
    return out;
  }

  void close() {
    ::close(fd_);
    fd_ = -1;
  }
  // The peer closed (FIN: error() == 0) or reset (error() == ECONNRESET) the connection.
  bool closed() const { return closed_; }
  int error() const { return error_; }

 private:
  int fd_;
  bool closed_ = false;
  int error_ = 0;
};

}  // namespace otpgate::test

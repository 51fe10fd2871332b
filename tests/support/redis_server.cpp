#include "support/redis_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <thread>

namespace otpgate::test {
namespace {

using namespace std::chrono_literals;

// Binds port 0 and releases it. Racy by nature; start() checks that our server answers.
unsigned short pick_free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("could not find a free loopback port");
  return ntohs(addr.sin_port);
}

// fork/exec `args` (args[0] looked up in PATH). stdout goes to `out_fd` (or /dev/null when -1).
// argv is built before fork(): only async-signal-safe calls happen in the child.
pid_t spawn(const std::vector<std::string>& args, int out_fd, bool die_with_parent) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork() failed");
  if (pid > 0) return pid;
  // Child. PDEATHSIG fires when the forking *thread* exits: start servers from the main thread.
  if (die_with_parent) ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  ::dup2(null_fd, STDIN_FILENO);
  ::dup2(out_fd >= 0 ? out_fd : null_fd, STDOUT_FILENO);
  ::execvp(argv[0], argv.data());
  ::_exit(127);
}

// True when something on 127.0.0.1:port answers PING with +PONG.
bool answers_ping(unsigned short port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[16] = {};
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::write(fd, "PING\r\n", 6) == 6 && ::read(fd, buf, sizeof buf - 1) >= 5 &&
                  std::string(buf, 5) == "+PONG";
  ::close(fd);
  return ok;
}

// Reaps pid, waiting at most `timeout`. True when it has exited.
bool reap(pid_t pid, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  do {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || r < 0) return true;
    std::this_thread::sleep_for(10ms);
  } while (std::chrono::steady_clock::now() < until);
  return false;
}

}  // namespace

RedisServer::RedisServer() : port_(pick_free_port()) {
  start();
}

RedisServer::~RedisServer() {
  stop();
}

void RedisServer::start() {
  if (running()) return;
  const std::string port = std::to_string(port_);
  pid_ = spawn({"redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly",
                "no", "--daemonize", "no"},
               -1, true);
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (!answers_ping(port_)) {
    if (reap(pid_, 0ms)) pid_ = -1;  // exited (port taken?): nothing left to stop
    if (!running() || std::chrono::steady_clock::now() > until) {
      stop();
      throw std::runtime_error("redis-server did not answer PING on port " + port);
    }
    std::this_thread::sleep_for(20ms);
  }
}

void RedisServer::stop() {
  if (!running()) return;
  ::kill(pid_, SIGCONT);  // a test may have SIGSTOPped it; SIGTERM would wait forever
  ::kill(pid_, SIGTERM);
  if (!reap(pid_, 2s)) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  pid_ = -1;
}

void RedisServer::pause() const {
  if (running()) ::kill(pid_, SIGSTOP);
}

void RedisServer::resume() const {
  if (running()) ::kill(pid_, SIGCONT);
}

std::string RedisServer::cli(const std::vector<std::string>& args) const {
  return redis_cli(port_, args);
}

unsigned short shared_redis_port() {
  if (const char* env = std::getenv("OTPGATE_TEST_REDIS_PORT"); env && *env)
    return static_cast<unsigned short>(std::stoi(env));
  static const auto server = std::make_unique<RedisServer>();
  return server->port();
}

std::string redis_cli(unsigned short port, const std::vector<std::string>& args) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe() failed");
  std::vector<std::string> argv = {"redis-cli", "-h", "127.0.0.1", "-p", std::to_string(port)};
  argv.insert(argv.end(), args.begin(), args.end());
  // Arguments go to execvp as they are: no shell, so no quoting to get wrong.
  const pid_t pid = spawn(argv, fds[1], false);
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  ::waitpid(pid, nullptr, 0);
  const auto first = out.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return out.substr(first, out.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace otpgate::test

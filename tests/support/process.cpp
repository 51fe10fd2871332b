#include "support/process.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <utility>

namespace otpgate::test {
namespace {

std::runtime_error sys_error(const std::string& what, int err) {
  return std::runtime_error(what + ": " + std::strerror(err));
}

// Variables a test child inherits unless the caller's map sets them: PATH to find tools,
// TMPDIR for temp files, and sanitizer options so a sanitized binary reports like the tests.
constexpr const char* inherited_vars[] = {"PATH", "TMPDIR", "ASAN_OPTIONS", "UBSAN_OPTIONS",
                                          "LSAN_OPTIONS"};

std::vector<std::string> build_environment(std::map<std::string, std::string> env) {
  for (const char* name : inherited_vars) {
    if (const char* value = std::getenv(name); value != nullptr) env.try_emplace(name, value);
  }
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [name, value] : env) out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

// Runs in the forked child: only async-signal-safe calls until exec. On failure the errno
// goes to the parent through `err_fd` (close-on-exec, so a successful exec closes it).
[[noreturn]] void exec_child(const char* program, char* const* argv, char* const* envp, int log_fd,
                             int err_fd, pid_t parent) {
  // Why: a test that crashes or is killed by ctest's timeout runs no destructor; the kernel
  // then kills the child instead of leaving a server running. getppid() covers a parent that
  // died before prctl took effect.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(127);
  int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd < 0 || ::dup2(null_fd, STDIN_FILENO) < 0 || ::dup2(log_fd, STDOUT_FILENO) < 0 ||
      ::dup2(log_fd, STDERR_FILENO) < 0) {
    int e = errno;
    (void)!::write(err_fd, &e, sizeof e);
    ::_exit(127);
  }
  // Why: the test process holds sockets and pipes of other tests (possibly in other threads);
  // a child inheriting them could keep a peer's connection open.
  if (err_fd > 3) ::close_range(3, static_cast<unsigned>(err_fd) - 1, 0);
  ::close_range(static_cast<unsigned>(err_fd) + 1, ~0U, 0);
  ::sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // Ignored signals stay ignored across exec; the child gets the defaults a shell would give.
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP}) ::signal(sig, SIG_DFL);
  ::execvpe(program, argv, envp);
  int e = errno;
  (void)!::write(err_fd, &e, sizeof e);
  ::_exit(127);
}

}  // namespace

Process::Process(const std::string& program, const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env, const std::string& log_file) {
  std::vector<std::string> argv_strings{program};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<std::string> env_strings = build_environment(env);
  std::vector<char*> argv = c_strings(argv_strings);
  std::vector<char*> envp = c_strings(env_strings);

  int log_fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw sys_error("cannot open log file " + log_file, errno);
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    int e = errno;
    ::close(log_fd);
    throw sys_error("pipe2", e);
  }
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ == 0) {
    exec_child(program.c_str(), argv.data(), envp.data(), log_fd, err_pipe[1], parent);
  }
  int fork_errno = errno;
  ::close(log_fd);
  ::close(err_pipe[1]);
  if (pid_ < 0) {
    ::close(err_pipe[0]);
    throw sys_error("fork", fork_errno);
  }
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(err_pipe[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  ::close(err_pipe[0]);
  if (n > 0) {
    try_reap(true);
    pid_ = -1;
    throw sys_error("cannot start " + program, child_errno);
  }
}

Process::~Process() {
  if (pid_ > 0) kill_and_reap();
}

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), exit_status_(std::move(other.exit_status_)) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0) kill_and_reap();
    pid_ = std::exchange(other.pid_, -1);
    exit_status_ = std::move(other.exit_status_);
  }
  return *this;
}

bool Process::try_reap(bool block) {
  if (exit_status_) return true;
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    exit_status_ = decode_status(status);
    return true;
  }
  if (r < 0) {
    // ECHILD: someone else reaped it (e.g. a SIGCHLD handler set to SIG_IGN); treat as gone.
    exit_status_ = 255;
    return true;
  }
  return false;
}

bool Process::running() {
  return pid_ > 0 && !try_reap(false);
}

bool Process::signal(int sig) {
  if (!running()) return false;
  return ::kill(pid_, sig) == 0;
}

std::optional<int> Process::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!try_reap(false)) {
    if (pid_ <= 0 || std::chrono::steady_clock::now() >= deadline) return exit_status_;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return exit_status_;
}

int Process::kill_and_reap() {
  if (pid_ <= 0) return exit_status_.value_or(255);
  if (!try_reap(false)) {
    ::kill(pid_, SIGKILL);
    try_reap(true);
  }
  return exit_status_.value_or(255);
}

namespace {

// One bound-and-closed probe: the kernel may hand the same port to the next probe at once.
unsigned short probe_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw sys_error("socket", errno);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    int e = errno;
    ::close(fd);
    throw sys_error("cannot find a free loopback port", e);
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

// Never the same port twice in one test process: two ports picked for one test (a plain and a
// TLS listener) must differ, or the second start-up fails at random.
unsigned short free_loopback_port() {
  static std::mutex m;
  static std::set<unsigned short> given;
  std::lock_guard lock(m);
  for (;;) {
    const unsigned short port = probe_loopback_port();
    if (given.insert(port).second) return port;
  }
}

}  // namespace otpgate::test

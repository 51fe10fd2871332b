// A child process for tests: fork/exec with an explicit environment, output to a log file.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace otpgate::test {

// A started program. The destructor SIGKILLs it if it still runs and always reaps it, so a
// failing test never leaves a process behind. If the test process dies without running the
// destructor (crash, ctest timeout), the kernel SIGKILLs the child (PR_SET_PDEATHSIG). That
// fires when the *thread* that started the child ends, so start long-lived children from the
// test's own thread, not from a short-lived std::thread.
class Process {
 public:
  // Starts `program` (a path, or a name looked up in PATH) with `args` (argv[1..]).
  // The child's environment is exactly `env` plus PATH, TMPDIR and the sanitizer options
  // (ASAN_/UBSAN_/LSAN_OPTIONS) of this process unless `env` sets them. stdin is /dev/null;
  // stdout and stderr are appended to `log_file`. Throws std::runtime_error when the log
  // cannot be opened or exec fails (the errno of the failed exec is reported).
  Process(const std::string& program, const std::vector<std::string>& args,
          const std::map<std::string, std::string>& env, const std::string& log_file);
  ~Process();
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // True until the child has exited (reaps it when it has).
  bool running();
  // Sends `sig` to the child; false when it has already exited.
  bool signal(int sig);
  // Waits up to `timeout` for the child to exit. Returns its exit status (0-255), or 128+N
  // when signal N killed it (the shell's convention); nullopt when it still runs.
  // Once the child has exited, every call returns the same status at once.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  // SIGKILLs the child if it runs, then reaps it. Returns the exit status as wait_exit does.
  int kill_and_reap();

 private:
  bool try_reap(bool block);

  pid_t pid_ = -1;
  std::optional<int> exit_status_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0 and released).
// Another process may take it before the caller binds it; servers started on it are checked.
unsigned short free_loopback_port();

}  // namespace otpgate::test

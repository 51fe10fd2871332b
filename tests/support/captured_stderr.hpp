// Runs a function with stderr redirected into a pipe and returns what it wrote (log lines, for
// tests of what is and is not logged). The pipe holds 64 KiB: for functions that log less.
#pragma once

#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>

namespace otpgate::test {

template <class F>
std::string captured_stderr(F&& f) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const int saved = ::dup(STDERR_FILENO);
  ::dup2(fds[1], STDERR_FILENO);
  f();
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  return out;
}

}  // namespace otpgate::test

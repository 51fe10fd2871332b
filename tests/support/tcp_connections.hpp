// How many TCP connections to a local port are open, as the kernel sees them: the client ends
// in /proc/net/tcp and tcp6 that are ESTABLISHED with that remote port. Counts every process's
// connections, so the port should be one the test owns (a fake server's).
#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace otpgate::test {

inline std::size_t established_connections_to(unsigned short port) {
  std::size_t n = 0;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state;
      fields >> slot >> local >> remote >> state;
      const auto colon = remote.rfind(':');
      if (colon == std::string::npos) continue;
      const unsigned long remote_port = std::strtoul(remote.c_str() + colon + 1, nullptr, 16);
      if (remote_port == port && state == "01") ++n;  // 01: TCP_ESTABLISHED
    }
  }
  return n;
}

}  // namespace otpgate::test

#include "process_figures.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace otpgate::metrics {
namespace {

std::vector<Sample> one(std::optional<double> v) {
  if (!v) return {};
  return {Sample{{}, *v}};
}

std::optional<double> resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  long long size = 0, resident = 0;
  if (!(statm >> size >> resident)) return std::nullopt;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

std::optional<double> open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  double n = 0;
  while (const dirent* e = ::readdir(dir))
    if (e->d_name[0] != '.') ++n;
  ::closedir(dir);
  return n - 1;  // the descriptor opendir itself holds
}

std::optional<double> max_fds() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return std::nullopt;
  return static_cast<double>(limit.rlim_cur);
}

std::optional<double> threads() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("Threads:", 0) == 0) return std::stod(line.substr(8));
  return std::nullopt;
}

// /proc/self/stat field 22 (start time in clock ticks after boot) plus /proc/stat's btime.
std::optional<double> start_time_seconds() {
  std::ifstream stat("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i)
    if (i == 22) {
      std::ifstream global("/proc/stat");
      std::string line;
      while (std::getline(global, line))
        if (line.rfind("btime ", 0) == 0)
          return std::stod(line.substr(6)) +
                 std::stod(field) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    }
  return std::nullopt;
}

}  // namespace

std::vector<Registration> register_process_figures(Registry& r) {
  std::vector<Registration> out;
  out.push_back(r.collected_gauge("otpgate_process_resident_memory_bytes",
                                  "Resident memory of the otpgate process.", {},
                                  [] { return one(resident_bytes()); }));
  out.push_back(r.collected_gauge("otpgate_process_open_fds", "Open file descriptors.", {},
                                  [] { return one(open_fds()); }));
  out.push_back(r.collected_gauge("otpgate_process_max_fds",
                                  "The open file descriptor limit (RLIMIT_NOFILE).", {},
                                  [] { return one(max_fds()); }));
  out.push_back(r.collected_gauge("otpgate_process_threads", "Threads of the otpgate process.", {},
                                  [] { return one(threads()); }));
  out.push_back(r.collected_gauge("otpgate_process_start_time_seconds",
                                  "When the process started, in seconds since the Unix epoch.", {},
                                  [] { return one(start_time_seconds()); }));
  return out;
}

}  // namespace otpgate::metrics

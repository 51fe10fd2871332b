#include "otpgate/redis/resp.hpp"

#include <charconv>
#include <cstddef>

namespace otpgate::redis {
namespace {

// "<prefix><n>\r\n"
void append_header(std::string& out, char prefix, std::size_t n) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.push_back(prefix);
  out.append(digits, end);
  out.append("\r\n", 2);
}

}  // namespace

void append_command(std::string& out, const std::vector<std::string>& args) {
  std::size_t size = 16;  // a guess for the headers, exact for lengths under 10^10
  for (const auto& a : args) size += a.size() + 15;
  out.reserve(out.size() + size);
  append_header(out, '*', args.size());
  for (const auto& a : args) {
    append_header(out, '$', a.size());
    out.append(a);
    out.append("\r\n", 2);
  }
}

}  // namespace otpgate::redis

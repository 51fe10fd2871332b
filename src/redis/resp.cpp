#include "otpgate/redis/resp.hpp"

#include <charconv>
#include <cstddef>
#include <cstring>

namespace otpgate::redis {
namespace {

std::size_t digits_of(std::size_t n) {
  std::size_t d = 1;
  while (n >= 10) {
    n /= 10;
    ++d;
  }
  return d;
}

// "<prefix><n>\r\n" at p; returns the end.
char* put_header(char* p, char prefix, std::size_t n, std::size_t digits) {
  *p++ = prefix;
  std::to_chars(p, p + digits, n);
  p += digits;
  *p++ = '\r';
  *p++ = '\n';
  return p;
}

}  // namespace

// The exact size first, then one resize and plain stores: an event's call has about 60
// arguments, and growing the string header by header cost more than the copying.
void append_command(std::string& out, const std::vector<std::string>& args) {
  const std::size_t count_digits = digits_of(args.size());
  std::size_t size = 3 + count_digits;
  for (const auto& a : args) size += 5 + digits_of(a.size()) + a.size();
  const std::size_t start = out.size();
  out.resize(start + size);
  char* p = out.data() + start;
  p = put_header(p, '*', args.size(), count_digits);
  for (const auto& a : args) {
    p = put_header(p, '$', a.size(), digits_of(a.size()));
    std::memcpy(p, a.data(), a.size());
    p += a.size();
    *p++ = '\r';
    *p++ = '\n';
  }
}

}  // namespace otpgate::redis

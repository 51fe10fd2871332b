#include "otpgate/redis/resp.hpp"

#include <charconv>
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
char* put_line(char* p, char prefix, std::size_t n) {
  const std::size_t digits = digits_of(n);
  *p++ = prefix;
  std::to_chars(p, p + digits, n);
  p += digits;
  *p++ = '\r';
  *p++ = '\n';
  return p;
}

}  // namespace

std::size_t header_size(std::size_t count) {
  return 3 + digits_of(count);
}

std::size_t bulk_size(std::size_t length) {
  return 5 + digits_of(length) + length;
}

char* put_header(char* at, std::size_t count) {
  return put_line(at, '*', count);
}

char* put_bulk(char* at, std::string_view arg) {
  char* p = put_line(at, '$', arg.size());
  std::memcpy(p, arg.data(), arg.size());
  p += arg.size();
  *p++ = '\r';
  *p++ = '\n';
  return p;
}

std::size_t bulks_size(const std::vector<std::string>& args) {
  std::size_t size = 0;
  for (const auto& a : args) size += bulk_size(a.size());
  return size;
}

char* put_bulks(char* at, const std::vector<std::string>& args) {
  for (const auto& a : args) at = put_bulk(at, a);
  return at;
}

// The exact size first, then one resize and plain stores: an event's call has about 60
// arguments, and growing the string argument by argument cost more than the copying.
void append_command(std::string& out, const std::vector<std::string>& args) {
  const std::size_t start = out.size();
  out.resize(start + header_size(args.size()) + bulks_size(args));
  put_bulks(put_header(out.data() + start, args.size()), args);
}

}  // namespace otpgate::redis

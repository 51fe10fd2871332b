// An owned copy of a hiredis reply, so it can outlive the hiredis callback that produced it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace otpgate::redis {

struct Reply {
  enum class kind { nil, integer, string, status, error, array };
  kind type = kind::nil;
  long long integer = 0;
  std::string str;  // string, status and error replies
  std::vector<Reply> elements;

  bool is_error() const { return type == kind::error; }
  bool is_nil() const { return type == kind::nil; }
};

}  // namespace otpgate::redis

// Converts hiredis' reply tree into the owned otpgate::redis::Reply.
#pragma once

#include "otpgate/redis/reply.hpp"

struct redisReply;

namespace otpgate::redis::detail {

// Deep copy: strings keep embedded NULs (len, not strlen); arrays recurse.
Reply copy_reply(const redisReply& r);

}  // namespace otpgate::redis::detail

#include "reply_copy.hpp"

#include <hiredis/hiredis.h>

namespace otpgate::redis::detail {

Reply copy_reply(const redisReply& r) {
  Reply out;
  switch (r.type) {
    case REDIS_REPLY_INTEGER:
      out.type = Reply::kind::integer;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      out.type = r.type == REDIS_REPLY_STRING   ? Reply::kind::string
                 : r.type == REDIS_REPLY_STATUS ? Reply::kind::status
                                                : Reply::kind::error;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::kind::array;
      out.elements.reserve(r.elements);
      for (size_t i = 0; i < r.elements; ++i) out.elements.push_back(copy_reply(*r.element[i]));
      break;
    default:  // REDIS_REPLY_NIL; hiredis 0.14 speaks RESP2 only, so nothing else arrives
      out.type = Reply::kind::nil;
      break;
  }
  return out;
}

}  // namespace otpgate::redis::detail

// RedisStore::supersede_camara: one lua/camara_supersede.lua call on the phone's slot.
#include "otpgate/store/redis/redis_scripts.hpp"
#include "otpgate/store/redis/redis_store.hpp"

namespace otpgate {

using redis::Reply;

std::string RedisKeys::camara_latest(std::string_view tag) {
  return "otp:{" + std::string(tag) + "}:camara";
}

task<result<camara::Superseded>> RedisStore::supersede_camara(const VerificationRecord& newer,
                                                              std::int64_t now_ms) {
  const std::string tag(newer.id.tag());
  const std::vector<std::string> keys = {RedisKeys::camara_latest(tag),
                                         RedisKeys::record(newer.id)};
  // The record key of any id of this phone: the prefix of RedisKeys::record.
  const std::string prefix = RedisKeys::record(tag, "");
  const std::vector<std::string> args = {newer.id.str(), std::to_string(now_ms), prefix};
  auto reply = co_await conn_.eval(scripts::cached(scripts::camara_supersede), keys, args);
  if (!reply) co_return reply.error();
  const Reply& r = reply.value();
  if (r.type != Reply::kind::array || r.elements.empty() ||
      r.elements[0].type != Reply::kind::string)
    co_return errc::store_protocol;
  const std::string& what = r.elements[0].str;
  if (what.empty()) co_return camara::Superseded::none;
  if (what == "latest") co_return camara::Superseded::latest;
  if (what == "newer") co_return camara::Superseded::newer;
  co_return errc::store_protocol;
}

}  // namespace otpgate

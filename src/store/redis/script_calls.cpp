#include "script_calls.hpp"

#include "otpgate/store/redis/redis_scripts.hpp"
#include "otpgate/store/redis/redis_store.hpp"

namespace otpgate::store_calls {

using redis::Reply;

result<Transition> decode(const Reply& r) {
  if (r.is_error()) {
    scripts::log_script_error(r.str);
    return errc::store_protocol;
  }
  if (r.type != Reply::kind::array || r.elements.empty() ||
      r.elements[0].type != Reply::kind::string)
    return errc::store_protocol;
  Transition t{r.elements[0].str};
  if (t.tag == "not_found") return errc::not_found;
  if (r.elements.size() > 1) {
    const Reply& n = r.elements[1];
    t.number = n.type == Reply::kind::integer ? n.integer : to_int(n.str);
    t.text = n.str;
  }
  if (r.elements.size() > 2) {
    auto rec = record_from_reply(r.elements[2]);
    if (!rec) return rec.error();
    t.record = std::move(rec.value());
  }
  t.replayed = r.elements.size() > 3;
  return t;
}

task<result<Transition>> run_script(redis::Connection& conn, std::string_view source,
                                    const std::vector<std::string>& keys,
                                    const std::vector<std::string>& args) {
  auto reply = co_await conn.eval(scripts::cached(source), keys, args);
  if (!reply) co_return reply.error();
  co_return decode(reply.value());
}

task<result<Transition>> run_action(redis::Connection& conn, std::string_view source,
                                    const std::vector<std::string>& keys,
                                    const std::vector<std::string>& args) {
  auto t = co_await run_script(conn, source, keys, args);
  if (t && t.value().tag == "idem_conflict") co_return errc::idempotency_conflict;
  co_return t;
}

task<result<bool>> flag_script(redis::Connection& conn, std::string_view source,
                               const std::vector<std::string>& keys,
                               const std::vector<std::string>& args) {
  auto reply = co_await conn.eval(scripts::cached(source), keys, args);
  if (!reply) co_return reply.error();
  if (reply.value().type != Reply::kind::integer) co_return errc::store_protocol;
  co_return reply.value().integer == 1;
}

}  // namespace otpgate::store_calls

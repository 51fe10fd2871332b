// Support's view of one phone within one brand: its lock, its failure count, its newest
// verifications; and the unlock. Reads the phone's keys under its hash tag (one cluster slot):
//   otp:{tag}:lock, :fails, :locklvl (written by the check script), :recent (the create
//   script's index of ids, newest first) and the records it names.
// Never returns the raw number: the records' "p" field is not read.
#pragma once

#include "otpgate/ports/subscriber_store.hpp"
#include "otpgate/core/types.hpp"
#include "otpgate/ports/keyring.hpp"
#include "otpgate/ports/task.hpp"
#include "otpgate/redis/connection.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace otpgate {

class RedisSubscriberStore final : public SubscriberStore {
 public:
  RedisSubscriberStore(redis::Connection& conn, const Keyring& keys) : conn_(conn), keys_(keys) {}
  // The phone's state for the brand as of now_ms (the service's clock).
  task<result<SubscriberState>> lookup(const std::string& brand, const PhoneNumber& phone,
                                       std::int64_t now_ms) override;
  // Removes the lock and the failure count (not the lock level: see docs/api.md), then answers
  // the state as lookup does. The removal is one atomic call, which also judges and records a
  // retry entry (otp:{tag}:idem:<mac>, admin_retry_ttl_ms).
  task<result<SubscriberState>> unlock(const std::string& brand, const PhoneNumber& phone,
                                       std::int64_t now_ms, const RetryEntry& retry) override;

 private:
  task<result<SubscriberState>> run(const std::string& brand, const PhoneNumber& phone,
                                    std::int64_t now_ms, bool unlock, const RetryEntry& retry);
  task<boost::system::error_code> read_records(const std::string& tag, const std::string& brand,
                                               const std::vector<std::string>& ids,
                                               std::int64_t now_ms, SubscriberState& state);

  redis::Connection& conn_;
  const Keyring& keys_;
};

}  // namespace otpgate

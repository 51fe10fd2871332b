// The verification record's Redis hash (src/store/redis/record_fields.cpp): the typed record is
// written with exactly the field names and values earlier versions wrote, and a record an
// earlier version wrote reads into the typed values and writes back unchanged.
#include "otpgate/store/redis/redis_store.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

using namespace otpgate;

namespace {

redis::Reply flat_reply(const std::vector<std::string>& fields) {
  redis::Reply r{.type = redis::Reply::kind::array};
  for (const auto& f : fields)
    r.elements.push_back(redis::Reply{.type = redis::Reply::kind::string, .str = f});
  return r;
}

std::map<std::string, std::string> as_map(const std::vector<std::string>& fields) {
  std::map<std::string, std::string> m;
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) m[fields[i]] = fields[i + 1];
  return m;
}

// A record as the version before the typed record wrote it (a PSD2-bound, alphanumeric code
// that a delivery report marked undelivered).
const std::vector<std::string> written_before = {
    "st",  "pending",
    "id",  "vf_abcdefghijklmnopqrstuvwxyz234567abcd",
    "b",   "nordwind",
    "p",   "+4915112345678",
    "cc",  "DE",
    "lc",  "de",
    "mac", "00ff",
    "cr",  "1700000000000",
    "ex",  "1700000300000",
    "fin", "0",
    "au",  "1",
    "ma",  "5",
    "sn",  "2",
    "ms",  "3",
    "cd",  "30000",
    "ls",  "1700000030000",
    "dst", "undelivered",
    "gw",  "tw",
    "mid", "SM1",
    "dl",  "0",
    "ar",  "2",
    "lkn", "5",
    "lkw", "3600000",
    "lkd", "900000",
    "lkm", "3600000",
    "ord", R"({"amount":"049.90","currency":"EUR","id":"o-1","payee":"Nordwind Shop"})",
    "pb",  "1",
    "md",  R"({"cart":"c-991"})",
    "cl",  "8",
    "ca",  "alphanumeric",
};

}  // namespace

TEST_CASE("a record an earlier version wrote reads into typed values", "[unit][store]") {
  const auto r = record_from_reply(flat_reply(written_before));
  REQUIRE(r.has_value());
  CHECK(r.value().delivery_status == DeliveryStatus::undelivered);
  CHECK(r.value().code_format.length == 8);
  CHECK(r.value().code_format.alphabet == CodeAlphabet::alphanumeric);
  REQUIRE(r.value().order.has_value());
  CHECK(r.value().order->amount->text() == "049.90");
  CHECK(r.value().order->amount->canonical() == "49.9");
  CHECK(r.value().order->currency == "EUR");
  CHECK(r.value().order->payee == "Nordwind Shop");
  CHECK(r.value().metadata_json == R"({"cart":"c-991"})");
}

TEST_CASE("a record writes back the fields and values it was read from", "[unit][store]") {
  const auto r = record_from_reply(flat_reply(written_before));
  REQUIRE(r.has_value());
  const std::vector<std::string> written = record_to_fields(r.value());
  // Plus the fields later versions added, empty: no caller's text (tx), no signals (sg).
  auto expected = as_map(written_before);
  expected["tx"] = "";
  expected["sg"] = "";
  CHECK(written.size() == written_before.size() + 4);
  CHECK(as_map(written) == expected);
}

TEST_CASE("a record keeps the caller's text and the signals' results", "[unit][store]") {
  std::vector<std::string> fields = written_before;
  const std::string signals =
      R"({"flagged":true,"kyc":{"fields":{"family_name":{"match":"false","score":40}},)"
      R"("result":"mismatch"},"sim_swap":{"result":"clear"}})";
  fields.insert(fields.end(), {"tx", "Code {{code}} for Nordwind", "sg", signals});
  const auto r = record_from_reply(flat_reply(fields));
  REQUIRE(r.has_value());
  CHECK(r.value().message_text == "Code {{code}} for Nordwind");
  REQUIRE(r.value().signals.has_value());
  CHECK(r.value().signals->flagged);
  CHECK(r.value().signals->sim_swap == SignalOutcome::clear);
  CHECK(r.value().signals->kyc == SignalOutcome::mismatch);
  REQUIRE(r.value().signals->kyc_fields.size() == 1);
  CHECK(r.value().signals->kyc_fields[0].score == 40);
  CHECK(as_map(record_to_fields(r.value())) == as_map(fields));
}

TEST_CASE("a record without an order or with digits writes what earlier versions wrote",
          "[unit][store]") {
  std::vector<std::string> fields = written_before;
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
    if (fields[i] == "ord") fields[i + 1] = "";
    if (fields[i] == "ca") fields[i + 1] = "digits";
    if (fields[i] == "dst") fields[i + 1] = "queued";
  }
  const auto r = record_from_reply(flat_reply(fields));
  REQUIRE(r.has_value());
  CHECK_FALSE(r.value().order.has_value());
  CHECK(r.value().code_format.alphabet == CodeAlphabet::digits);
  CHECK(r.value().delivery_status == DeliveryStatus::queued);
  auto expected = as_map(fields);
  expected["tx"] = "";
  expected["sg"] = "";
  CHECK(as_map(record_to_fields(r.value())) == expected);
}

TEST_CASE("a record with an unknown delivery status is unreadable", "[unit][store]") {
  std::vector<std::string> fields = written_before;
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2)
    if (fields[i] == "dst") fields[i + 1] = "sent";
  CHECK_FALSE(record_from_reply(flat_reply(fields)).has_value());
}

TEST_CASE("a record whose id or phone is malformed is unreadable", "[unit][store]") {
  for (const auto& [field, bad] : {std::pair{"id", "vf_short"},
                                   {"id", ""},
                                   {"p", "4915112345678"},
                                   {"p", "+49 151 12345678"}}) {
    CAPTURE(field, bad);
    std::vector<std::string> fields = written_before;
    for (std::size_t i = 0; i + 1 < fields.size(); i += 2)
      if (fields[i] == field) fields[i + 1] = bad;
    CHECK_FALSE(record_from_reply(flat_reply(fields)).has_value());
  }
  const auto r = record_from_reply(flat_reply(written_before));
  REQUIRE(r.has_value());
  CHECK(r.value().id.str() == "vf_abcdefghijklmnopqrstuvwxyz234567abcd");
  CHECK(r.value().id.tag() == "abcdefghij");
  CHECK(r.value().phone.e164() == "+4915112345678");
}

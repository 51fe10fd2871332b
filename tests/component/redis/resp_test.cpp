// The link's RESP encoder against hiredis' own formatter: Redis must receive the same bytes.
#include "otpgate/redis/connection.hpp"
#include "otpgate/redis/resp.hpp"

#include <catch2/catch.hpp>
#include <hiredis/hiredis.h>

#include <string>
#include <vector>

namespace {

std::string hiredis_format(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  char* cmd = nullptr;
  const int len =
      redisFormatCommandArgv(&cmd, static_cast<int>(args.size()), argv.data(), lens.data());
  REQUIRE(len > 0);
  std::string out(cmd, static_cast<std::size_t>(len));
  redisFreeCommand(cmd);
  return out;
}

}  // namespace

TEST_CASE("resp: a command is encoded as hiredis encodes it", "[unit][resp]") {
  std::vector<std::string> many = {"EVALSHA"};  // an event's call: more than 9 arguments
  for (int i = 0; i < 60; ++i) many.push_back(std::to_string(i * 1000003));
  const std::vector<std::vector<std::string>> commands = {
      many,
      {"PING"},
      {"HGETALL", "otp:{abc}:v:x"},
      {"EVALSHA", std::string(40, 'a'), "2", "k1", "k2", "", std::string("a\0b\r\n", 5)},
      {"SET", "k", std::string(70000, 'x')},
  };
  for (const auto& args : commands) {
    std::string encoded;
    otpgate::redis::append_command(encoded, args);
    CHECK(encoded == hiredis_format(args));
  }
}

TEST_CASE("resp: the encoding is appended to what the buffer holds", "[unit][resp]") {
  std::string buffer = "*1\r\n$4\r\nPING\r\n";
  otpgate::redis::append_command(buffer, {"GET", "k"});
  CHECK(buffer == "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
}

TEST_CASE("resp: a Call is encoded once as hiredis encodes its arguments", "[unit][resp]") {
  using otpgate::redis::Call;
  const otpgate::redis::Script script("return {KEYS[1], ARGV[1]}");
  const std::vector<std::string> keys = {"otp:{abc}:v:x", std::string("k\0\r\n", 4)};
  std::vector<std::string> args = {"", std::string(300, 'a')};
  for (int i = 0; i < 20; ++i) args.push_back(std::to_string(i));

  const Call eval = Call::eval(script, keys, args);
  std::vector<std::string> argv = {"EVALSHA", script.sha1, "2"};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  CHECK(eval.wire == hiredis_format(argv));
  CHECK(eval.name == "EVALSHA");
  CHECK(eval.count == argv.size());
  // EVAL, after NOSCRIPT, sends the source in the SHA-1's place and the rest from `shared` on.
  argv[0] = "EVAL";
  argv[1] = script.source;
  const std::string as_eval = hiredis_format(argv);
  const std::string shared = eval.wire.substr(eval.shared);
  CHECK(as_eval.substr(as_eval.size() - shared.size()) == shared);
  CHECK(eval.wire.substr(eval.shared).rfind("$1\r\n2\r\n", 0) == 0);

  const Call command = Call::command({"ZADD", "otp:{unsent}:creates", "17", "vf_x"});
  CHECK(command.wire == hiredis_format({"ZADD", "otp:{unsent}:creates", "17", "vf_x"}));
  CHECK(command.name == "ZADD");
  CHECK(command.script == nullptr);
  CHECK(Call::command({}).wire.empty());  // sends nothing: the link answers invalid_argument
}

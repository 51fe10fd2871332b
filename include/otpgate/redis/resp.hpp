// The RESP encoding of a command, as Redis reads it: "*<n>\r\n" then "$<len>\r\n<arg>\r\n" per
// argument. The same bytes hiredis' redisFormatCommandArgv writes
// (tests/component/redis/resp_test.cpp compares the two), built without its printf-style
// formatting: the link sends every command through here (redisAsyncFormattedCommand), and an
// event's 60 arguments made hiredis' formatter a tenth of a create's CPU.
#pragma once

#include <string>
#include <vector>

namespace otpgate::redis {

// Appends the command's encoding to out (which keeps its earlier content).
void append_command(std::string& out, const std::vector<std::string>& args);

}  // namespace otpgate::redis

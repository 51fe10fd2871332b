// The RESP encoding of a command, as Redis reads it: "*<n>\r\n" then "$<len>\r\n<arg>\r\n" per
// argument. The same bytes hiredis' redisFormatCommandArgv writes
// (tests/component/redis/resp_test.cpp compares the two), built without its printf-style
// formatting: every command is encoded here once, when its Call is made, and handed to hiredis
// as it is (redisAsyncFormattedCommand); an event's 60 arguments made hiredis' formatter a tenth
// of a create's CPU.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace otpgate::redis {

// Appends the command's encoding to out (which keeps its earlier content).
void append_command(std::string& out, const std::vector<std::string>& args);

// The pieces, for a command whose arguments come from several places (Call::eval): size the
// buffer to header_size(n) plus bulk_size(len) per argument once, then write the header and
// each argument in place; each put_ returns the end of what it wrote.
std::size_t header_size(std::size_t count);
std::size_t bulk_size(std::size_t length);
char* put_header(char* at, std::size_t count);
char* put_bulk(char* at, std::string_view arg);
// bulk_size and put_bulk over a list of arguments.
std::size_t bulks_size(const std::vector<std::string>& args);
char* put_bulks(char* at, const std::vector<std::string>& args);

}  // namespace otpgate::redis

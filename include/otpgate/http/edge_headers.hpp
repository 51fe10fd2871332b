// The headers every answer carries, whoever made it: a route's handler, or the HTTP layer itself
// before any handler ran (400 for malformed HTTP, 413, 431, 500 for a handler that threw). The
// session applies them to each answer just before it is written, so this is the one home of the
// rule (docs/security.md "The console" and "Logs and responses").
#pragma once

#include "otpgate/http/message.hpp"

#include <string_view>

namespace otpgate::http {

// `/console` or anything under `/console/`: the console's pages and files. The raw path, not
// decoded: `/console/%2e%2e/x` is still under it (and 404 there).
bool is_console_path(std::string_view path);

// Adds to `r` what an answer to `path` must carry. Under /console the console's security
// headers (Content-Security-Policy, X-Content-Type-Options, Referrer-Policy, X-Frame-Options,
// Cross-Origin-Opener-Policy): a 404 page is a page too. Elsewhere X-Content-Type-Options:
// nosniff, since every other answer is data for a program. On every path Cache-Control: no-store
// unless `r` already names a Cache-Control (a console file, /openapi.json): an answer may hold a
// masked phone number or a template a manager has not published. `path` may be "" when not even
// the request line could be read: such an answer is not under /console.
void add_edge_headers(std::string_view path, Response& r);

}  // namespace otpgate::http

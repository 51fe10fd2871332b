// The HTTP rules for serving static files (the console, docs/architecture.md "Console"): which
// content type a file name gets, whether it is worth compressing, how long a browser may keep
// it, whether a conditional request matches, whether the client takes gzip. Pure functions: the
// file table (console/console_files.hpp) and its tests call them.
#pragma once

#include <string_view>

namespace otpgate {

// The Content-Type for a file name by its extension (lower case only, as bundlers write them):
// text types carry "; charset=utf-8"; an unknown extension is application/octet-stream.
std::string_view content_type_for(std::string_view name);

// Whether gzip is likely to shrink a file of this content type (text, SVG, JSON, icons; not PNG
// or WOFF2, which are compressed already).
bool compressible(std::string_view content_type);

// Cache-Control for a file name relative to the console's root: files under assets/ carry a
// content hash in their names (the bundler writes them so), so a year and immutable; everything
// else (index.html) must be revalidated on every use, so a new build is seen at once.
std::string_view cache_control_for(std::string_view name);

// Whether an If-None-Match field value matches the current entity tag `etag` (a quoted strong
// tag, '"abc"'): "*", or a list of tags one of which equals it under the weak comparison RFC 9110
// 13.1.2 prescribes for If-None-Match (W/ ignored on either side). A malformed list matches
// nothing from the first malformed element on: the full response is the safe answer.
bool if_none_match_matches(std::string_view field, std::string_view etag);

// Whether an Accept-Encoding field value (RFC 9110 12.5.3) admits gzip: "gzip" or "x-gzip" with a
// q-value above 0, else "*" above 0 when gzip is not named. A malformed q-value counts as 0.
// Pass "" for an absent field: RFC 9110 would allow any coding then, but identity is always
// acceptable and a client that sends no field may not decode gzip.
bool accepts_gzip(std::string_view field);

}  // namespace otpgate

// The web console's built files (web/dist), read once at start-up into an immutable table that
// every io thread shares, and the answers to GET/HEAD /console/...: content type, strong ETags
// (one per variant), If-None-Match, the gzip variant when the client takes it, Cache-Control.
// The security headers every console answer carries are the HTTP session's to add
// (http/edge_headers.hpp), so its own 400s and 431s carry them too. Nothing here reads the
// filesystem after load_files: a request can only ever name a file the table holds. The HTTP rules
// themselves are pure (core/static_content.hpp); this is their table and their response.
#pragma once

#include "otpgate/http/message.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace otpgate::console {

// One servable file.
struct File {
  std::string body;               // the bytes as built
  std::string gzip;               // gzip of body, or "" when it would not be smaller
  std::string etag;               // "\"<hex>\"": SHA-256 of body, first 128 bits
  std::string gzip_etag;          // the same of gzip ("" without gzip): another representation
  std::string_view content_type;  // by the name's extension
  std::string_view cache_control;
};

class Files {
 public:
  // No files: the console is not built, every /console/... answers 404 saying so.
  Files() = default;
  // The table of these files (name relative to the root, "index.html", "assets/app-1.js"):
  // each hashed, and compressed once when compressible.
  static Files from_contents(const std::map<std::string, std::string>& contents);

  // An index.html is there.
  bool built() const { return files_.count("index.html") > 0; }
  const File* find(std::string_view name) const;
  std::size_t size() const { return files_.size(); }

 private:
  std::map<std::string, File, std::less<>> files_;
};

// The most a console directory may hold: a bundle is a few hundred kilobytes; a directory far
// beyond these is a misconfigured OTPGATE_CONSOLE_DIR, not a console.
struct Limits {
  std::size_t max_files = 1000;
  std::uintmax_t max_bytes = 64U * 1024 * 1024;
};

struct Loaded {
  Files files;
  // One line for the log each: why the console is not built, files left out.
  std::vector<std::string> warnings;
};

// Reads `dir`: top-level regular files and regular files directly under assets/ (the two
// routes, /console/{file} and /console/assets/{asset}), each name made of letters, digits and
// "-._~" and not starting with '.'. Symbolic links are not followed (the root itself may be one);
// anything else is left out and named in a warning. A missing directory, or one without
// index.html, is a console not built (a warning, empty files). Throws std::runtime_error naming
// the directory when it holds more than `limits` or a file cannot be read.
Loaded load_files(const std::filesystem::path& dir, Limits limits = {});

// GET or HEAD of /console/<name> ("" for /console/: index.html).
http::Response respond(const Files& files, std::string_view name, const http::Request& req);

// GET /console: 308 to /console/ (the query kept), so relative asset URLs resolve under it.
http::Response redirect_to_root(const http::Request& req);

}  // namespace otpgate::console

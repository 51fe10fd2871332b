#include "otpgate/console/console_files.hpp"

#include "otpgate/core/static_content.hpp"
#include "otpgate/crypto/digest.hpp"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace otpgate::console {
namespace {

namespace fs = std::filesystem;

std::string etag_of(std::string_view bytes) {
  const std::string hash = crypto::digest(crypto::DigestAlgorithm::sha256, bytes);
  return "\"" + crypto::hex_lower(std::string_view(hash).substr(0, 16)) + "\"";
}

// gzip (RFC 1952) at the best level: done once per file at start-up. No name and mtime 0 in the
// header, so the same bytes give the same variant (and ETag) in every process.
std::string gzip_of(std::string_view in) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
    return {};
  std::string out(deflateBound(&zs, static_cast<uLong>(in.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return rc == Z_STREAM_END ? out : std::string();
}

// Bundlers write names like app-3f2a1b.js: unreserved characters only, which a request path
// carries as they are (nothing is percent-decoded). A dot file (.DS_Store) is no part of a build.
bool servable_name(std::string_view name) {
  return !name.empty() && name[0] != '.' && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("-._~").find(c) != std::string_view::npos;
  });
}

std::string read_whole(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  if (!in && !in.eof()) throw std::runtime_error(p.string() + ": cannot be read");
  return s.str();
}

// "console: left out ..." with at most a few names, so a stray node_modules gives one short line.
std::string left_out_line(const fs::path& dir, const std::vector<std::string>& names) {
  std::string line = "OTPGATE_CONSOLE_DIR " + dir.string() + ": left out " +
                     std::to_string(names.size()) +
                     " entries (only regular files at the top and in assets/, names of "
                     "letters, digits and -._~): ";
  for (std::size_t i = 0; i < names.size() && i < 5; ++i) line += (i ? ", " : "") + names[i];
  return line + (names.size() > 5 ? ", ..." : "");
}

class Walk {
 public:
  Walk(const fs::path& dir, Limits limits) : dir_(dir), limits_(limits) {}

  void run() {
    for (auto it = fs::recursive_directory_iterator(dir_); it != fs::recursive_directory_iterator();
         ++it) {
      const fs::path rel = it->path().lexically_relative(dir_);
      const std::string name = rel.generic_string();
      const fs::file_status st = it->symlink_status();
      if (fs::is_directory(st)) {
        // assets/ at the top is walked; any other folder is no route's.
        if (it.depth() != 0 || name != "assets") {
          it.disable_recursion_pending();
          left_out_.push_back(name + "/");
        }
        continue;
      }
      if (!fs::is_regular_file(st) || !servable_name(rel.filename().string())) {
        left_out_.push_back(name);
        continue;
      }
      add(it->path(), name);
    }
  }

  std::map<std::string, std::string> contents;
  std::vector<std::string> left_out_;

 private:
  void add(const fs::path& path, const std::string& name) {
    bytes_ += fs::file_size(path);
    if (contents.size() + 1 > limits_.max_files || bytes_ > limits_.max_bytes)
      throw std::runtime_error("OTPGATE_CONSOLE_DIR " + dir_.string() + ": more than " +
                               std::to_string(limits_.max_files) + " files or " +
                               std::to_string(limits_.max_bytes) +
                               " bytes; is it the console's build (web/dist)?");
    contents.emplace(name, read_whole(path));
  }

  fs::path dir_;
  Limits limits_;
  std::uintmax_t bytes_ = 0;
};

// A list-valued field sent as several field lines is one list (RFC 9110 5.3).
std::optional<std::string> list_field(const http::Request& req, std::string_view lower_name) {
  std::optional<std::string> out;
  for (const auto& [name, value] : req.headers)
    if (name == lower_name) out = out ? *out + ", " + value : value;
  return out;
}

http::Response not_found(std::string_view message) {
  http::Response r;
  r.status = 404;
  r.body = http::error_body(404, "NOT_FOUND", message);
  return r;
}

}  // namespace

Files Files::from_contents(const std::map<std::string, std::string>& contents) {
  Files out;
  for (const auto& [name, body] : contents) {
    File f;
    f.body = body;
    f.content_type = content_type_for(name);
    f.cache_control = cache_control_for(name);
    f.etag = etag_of(body);
    if (compressible(f.content_type)) {
      std::string gz = gzip_of(body);
      if (!gz.empty() && gz.size() < body.size()) {
        f.gzip_etag = etag_of(gz);
        f.gzip = std::move(gz);
      }
    }
    out.files_.emplace(name, std::move(f));
  }
  return out;
}

const File* Files::find(std::string_view name) const {
  const auto it = files_.find(name);
  return it == files_.end() ? nullptr : &it->second;
}

Loaded load_files(const fs::path& dir, Limits limits) {
  Loaded out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    out.warnings.push_back("OTPGATE_CONSOLE_DIR " + dir.string() +
                           ": no such directory; the console is not built, /console/ answers 404");
    return out;
  }
  Walk walk(dir, limits);
  walk.run();
  if (!walk.left_out_.empty()) out.warnings.push_back(left_out_line(dir, walk.left_out_));
  if (!walk.contents.count("index.html")) {
    out.warnings.push_back("OTPGATE_CONSOLE_DIR " + dir.string() +
                           ": no index.html; the console is not built, /console/ answers 404");
    return out;
  }
  out.files = Files::from_contents(walk.contents);
  return out;
}

http::Response respond(const Files& files, std::string_view name, const http::Request& req) {
  if (!files.built())
    return not_found(
        "The console is not built on this server (docs/configuration.md, "
        "OTPGATE_CONSOLE_DIR).");
  const File* f = files.find(name.empty() ? std::string_view("index.html") : name);
  if (!f) return not_found("No such console file.");
  const auto accept_encoding = list_field(req, "accept-encoding");
  const bool gzip = !f->gzip.empty() && accepts_gzip(accept_encoding.value_or(""));
  const std::string& etag = gzip ? f->gzip_etag : f->etag;
  http::Response r;
  r.content_type = std::string(f->content_type);
  r.headers.emplace_back("ETag", etag);
  r.headers.emplace_back("Cache-Control", std::string(f->cache_control));
  // Both variants name the field that chose between them (RFC 9110 12.5.5), so a cache keeps
  // them apart; a file without a gzip variant does not vary.
  if (!f->gzip.empty()) r.headers.emplace_back("Vary", "Accept-Encoding");
  const auto inm = list_field(req, "if-none-match");
  if (inm && if_none_match_matches(*inm, etag)) {
    r.status = 304;  // RFC 9110 15.4.5: with the ETag, Cache-Control and Vary of the 200
    return r;
  }
  if (gzip) r.headers.emplace_back("Content-Encoding", "gzip");
  r.body = gzip ? f->gzip : f->body;
  return r;
}

http::Response redirect_to_root(const http::Request& req) {
  http::Response r;
  r.status = 308;
  const auto query = req.target.find('?');
  r.headers.emplace_back(
      "Location", "/console/" + (query == std::string::npos ? "" : req.target.substr(query)));
  r.content_type = "text/plain; charset=utf-8";
  return r;
}

}  // namespace otpgate::console

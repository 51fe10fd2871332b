// The console's file table in process: what load_files takes from a directory and what it leaves
// out, the gzip variant and its ETag, and respond()'s answers without a server.
#include "otpgate/console/console_files.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace otpgate;
namespace fs = std::filesystem;

namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/otpgate-console-files-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  fs::path path() const { return path_; }
  void write(const std::string& name, const std::string& text) const {
    fs::create_directories((path_ / name).parent_path());
    std::ofstream(path_ / name, std::ios::binary) << text;
  }

 private:
  fs::path path_;
};

std::string repeated(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

http::Request get(std::vector<std::pair<std::string, std::string>> headers = {}) {
  http::Request r;
  r.method = "GET";
  r.target = r.path = "/console/x";
  r.headers = std::move(headers);
  return r;
}

std::string header(const http::Response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return "";
}

}  // namespace

TEST_CASE("console files: load takes the top level and assets/, nothing else",
          "[component][console]") {
  TempDir d;
  d.write("dist/index.html", "<!doctype html>");
  d.write("dist/favicon.ico", "ico");
  d.write("dist/assets/app-1.js", "js");
  d.write("dist/assets/deep/x.js", "deep");
  d.write("dist/other/y.js", "other");
  d.write("dist/.DS_Store", "dot");
  d.write("dist/with space.js", "space");
  d.write("secret.json", "secret");
  fs::create_symlink(d.path() / "secret.json", d.path() / "dist/secret.json");
  fs::create_symlink(d.path() / "secret.json", d.path() / "dist/assets/secret.json");
  fs::create_directory_symlink(d.path(), d.path() / "dist/up");
  const console::Loaded loaded = console::load_files(d.path() / "dist");
  const auto& files = loaded.files;
  CHECK(files.built());
  CHECK(files.size() == 3);
  CHECK(files.find("index.html"));
  CHECK(files.find("favicon.ico"));
  REQUIRE(files.find("assets/app-1.js"));
  CHECK(files.find("assets/app-1.js")->body == "js");
  for (const char* absent :
       {"assets/deep/x.js", "other/y.js", ".DS_Store", "with space.js", "secret.json",
        "assets/secret.json", "up/secret.json", "../secret.json"})
    CHECK_FALSE(files.find(absent));
  REQUIRE(loaded.warnings.size() == 1);
  CHECK(loaded.warnings[0].find("left out 7 entries") != std::string::npos);
}

TEST_CASE("console files: a missing directory or one without index.html is not built",
          "[component][console]") {
  TempDir d;
  const auto missing = console::load_files(d.path() / "nope");
  CHECK_FALSE(missing.files.built());
  REQUIRE(missing.warnings.size() == 1);
  CHECK(missing.warnings[0].find("no such directory") != std::string::npos);
  d.write("assets/app-1.js", "js");
  const auto no_index = console::load_files(d.path());
  CHECK_FALSE(no_index.files.built());
  CHECK(no_index.files.size() == 0);
  REQUIRE(no_index.warnings.size() == 1);
  CHECK(no_index.warnings[0].find("no index.html") != std::string::npos);
  const auto r = console::respond(no_index.files, "assets/app-1.js", get());
  CHECK(r.status == 404);
  CHECK(r.body.find("not built") != std::string::npos);
}

TEST_CASE("console files: more files or bytes than the limits stop the start",
          "[component][console]") {
  TempDir d;
  d.write("index.html", "<!doctype html>");
  d.write("assets/a.js", repeated("a", 100));
  d.write("assets/b.js", repeated("b", 100));
  CHECK(console::load_files(d.path(), {.max_files = 3, .max_bytes = 1000}).files.size() == 3);
  CHECK_THROWS_WITH(console::load_files(d.path(), {.max_files = 2, .max_bytes = 1000}),
                    Catch::Contains("more than 2 files"));
  CHECK_THROWS_AS(console::load_files(d.path(), {.max_files = 10, .max_bytes = 150}),
                  std::runtime_error);
}

TEST_CASE("console files: a gzip variant only when it is smaller, each with its own ETag",
          "[component][console]") {
  const std::string js = repeated("export const a = 'console';\n", 100);
  const auto files = console::Files::from_contents(
      {{"index.html", "<p>"}, {"assets/app-1.js", js}, {"assets/logo-1.png", js}});
  const auto* app = files.find("assets/app-1.js");
  REQUIRE(app);
  CHECK(!app->gzip.empty());
  CHECK(app->gzip.size() < js.size());
  CHECK(app->gzip.substr(0, 2) == "\x1f\x8b");
  CHECK(app->etag.size() == 34);
  CHECK(app->gzip_etag.size() == 34);
  CHECK(app->etag != app->gzip_etag);
  CHECK(files.find("index.html")->gzip.empty());         // three bytes do not shrink
  CHECK(files.find("assets/logo-1.png")->gzip.empty());  // PNG is not compressed again
  // The same bytes give the same tags: processes behind one balancer agree.
  const auto again = console::Files::from_contents({{"assets/app-1.js", js}});
  CHECK(again.find("assets/app-1.js")->etag == app->etag);
  CHECK(again.find("assets/app-1.js")->gzip_etag == app->gzip_etag);
  CHECK(files.find("index.html")->etag != app->etag);
}

TEST_CASE("console files: respond picks the variant and answers 304 to its tag",
          "[component][console]") {
  const std::string js = repeated("export const a = 'console';\n", 100);
  const auto files =
      console::Files::from_contents({{"index.html", "<!doctype html>"}, {"assets/app-1.js", js}});
  const auto* app = files.find("assets/app-1.js");
  const auto plain = console::respond(files, "assets/app-1.js", get());
  CHECK(plain.status == 200);
  CHECK(plain.body == js);
  CHECK(header(plain, "ETag") == app->etag);
  CHECK(header(plain, "Vary") == "Accept-Encoding");
  CHECK(header(plain, "Content-Encoding").empty());
  const auto gz = console::respond(files, "assets/app-1.js", get({{"accept-encoding", "gzip"}}));
  CHECK(gz.body == app->gzip);
  CHECK(header(gz, "ETag") == app->gzip_etag);
  CHECK(header(gz, "Content-Encoding") == "gzip");
  const auto not_modified =
      console::respond(files, "assets/app-1.js",
                       get({{"accept-encoding", "gzip"}, {"if-none-match", app->gzip_etag}}));
  CHECK(not_modified.status == 304);
  CHECK(not_modified.body.empty());
  CHECK(header(not_modified, "ETag") == app->gzip_etag);
  CHECK(header(not_modified, "Content-Encoding").empty());
  // Several field lines are one list.
  CHECK(console::respond(files, "assets/app-1.js",
                         get({{"if-none-match", "\"x\""}, {"if-none-match", app->etag}}))
            .status == 304);
  CHECK(header(console::respond(files, "assets/app-1.js",
                                get({{"accept-encoding", "br"}, {"accept-encoding", "gzip"}})),
               "Content-Encoding") == "gzip");
  CHECK(
      header(console::respond(files, "assets/app-1.js",
                              get({{"accept-encoding", "gzip"}, {"accept-encoding", "gzip;q=0"}})),
             "Content-Encoding")
          .empty());
  const auto index = console::respond(files, "", get());
  CHECK(index.status == 200);
  CHECK(index.content_type == "text/html; charset=utf-8");
  CHECK(header(index, "Cache-Control") == "no-cache");
  CHECK(header(index, "Vary").empty());
  CHECK(console::respond(files, "../index.html", get()).status == 404);
  CHECK(console::respond(files, "assets/../index.html", get()).status == 404);
}

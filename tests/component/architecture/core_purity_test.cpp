// The core is pure (STYLE.md, "A pure core"): nothing under include/otpgate/core/ or src/core/
// may include Asio, Beast, hiredis, curl or OpenSSL. Adapters do the I/O. The unit tier links
// otpgate_core alone, so a core that called into an adapter fails to link; Asio and Beast are
// header-only and would not, hence this check.
#include <catch2/catch.hpp>

#include <array>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fs = std::filesystem;

namespace {

constexpr std::array<std::string_view, 5> forbidden = {"boost/asio", "boost/beast", "hiredis",
                                                       "curl", "openssl"};

// The forbidden library a line includes, if it is an #include of one.
std::optional<std::string_view> forbidden_include(std::string_view line) {
  const auto first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos || line[first] != '#') return std::nullopt;
  line.remove_prefix(first + 1);
  line.remove_prefix(std::min(line.find_first_not_of(" \t"), line.size()));
  if (line.substr(0, 7) != "include") return std::nullopt;
  for (std::string_view lib : forbidden)
    if (line.find(lib) != std::string_view::npos) return lib;
  return std::nullopt;
}

}  // namespace

TEST_CASE("the include detector recognises forbidden includes", "[unit][purity]") {
  CHECK(forbidden_include("#include <boost/asio/awaitable.hpp>") == "boost/asio");
  CHECK(forbidden_include("  #  include <hiredis/async.h>") == "hiredis");
  CHECK(forbidden_include("#include <curl/curl.h>") == "curl");
  CHECK(forbidden_include("#include \"otpgate/crypto/openssl.hpp\"") == "openssl");
  CHECK(forbidden_include("#include <boost/beast/http.hpp>") == "boost/beast");
  CHECK_FALSE(forbidden_include("#include <boost/system/result.hpp>").has_value());
  CHECK_FALSE(forbidden_include("// we never #include <curl/curl.h> here").has_value());
  CHECK_FALSE(forbidden_include("#include \"otpgate/core/ports.hpp\"").has_value());
}

TEST_CASE("core headers and sources include no I/O library", "[unit][purity]") {
  const fs::path root = OTPGATE_SOURCE_DIR;
  std::size_t files = 0;
  std::vector<std::string> violations;
  for (const char* dir : {"include/otpgate/core", "src/core"}) {
    REQUIRE(fs::is_directory(root / dir));
    for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
      if (!entry.is_regular_file()) continue;
      ++files;
      std::ifstream in(entry.path());
      REQUIRE(in.good());
      std::string line;
      for (int n = 1; std::getline(in, line); ++n)
        if (const auto lib = forbidden_include(line))
          violations.push_back(fs::relative(entry.path(), root).string() + ":" + std::to_string(n) +
                               " includes " + std::string(*lib) + ": " + line);
    }
  }
  CHECK(files >= 20);  // the walk really saw the core (11 headers, 10 sources today)
  for (const auto& v : violations) FAIL_CHECK(v);
  CHECK(violations.empty());
}

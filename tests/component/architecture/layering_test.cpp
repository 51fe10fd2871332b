// The application layer works on ports only (docs/architecture.md, "What depends on what"):
// nothing under include/otpgate/app/ or src/app/ includes an adapter's header (gateways, redis,
// store, crypto, http, metrics) or the start-up side (wiring, api), and a port includes nothing
// but core and the other ports. The app tier's executable links only otpgate_usecases, the core
// and util, so a use case that calls an adapter fails to link there too; this check also sees an
// include the linker cannot (a header-only adapter part, a type used without a call).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace fs = std::filesystem;

namespace {

// The folder of an `#include "otpgate/<folder>/..."` line, if the line is one.
std::optional<std::string> otpgate_folder(std::string_view line) {
  const auto first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos || line[first] != '#') return std::nullopt;
  line.remove_prefix(first + 1);
  line.remove_prefix(std::min(line.find_first_not_of(" \t"), line.size()));
  if (line.substr(0, 7) != "include") return std::nullopt;
  constexpr std::string_view prefix = "\"otpgate/";
  const auto at = line.find(prefix);
  if (at == std::string_view::npos) return std::nullopt;
  line.remove_prefix(at + prefix.size());
  const auto slash = line.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  return std::string(line.substr(0, slash));
}

// "file:line includes folder: text" for every otpgate include outside `allowed`.
std::vector<std::string> outside(const std::vector<std::string>& dirs,
                                 const std::set<std::string>& allowed, std::size_t& files) {
  const fs::path root = OTPGATE_SOURCE_DIR;
  std::vector<std::string> found;
  for (const auto& dir : dirs) {
    REQUIRE(fs::is_directory(root / dir));
    for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
      if (!entry.is_regular_file()) continue;
      ++files;
      std::ifstream in(entry.path());
      REQUIRE(in.good());
      std::string line;
      for (int n = 1; std::getline(in, line); ++n)
        if (const auto folder = otpgate_folder(line); folder && !allowed.count(*folder))
          found.push_back(fs::relative(entry.path(), root).string() + ":" + std::to_string(n) +
                          " includes " + *folder + ": " + line);
    }
  }
  return found;
}

}  // namespace

TEST_CASE("the application layer and the ports include no adapter", "[unit][layering]") {
  CHECK(otpgate_folder("#include \"otpgate/gateways/registry.hpp\"") == "gateways");
  CHECK(otpgate_folder("  #  include \"otpgate/ports/clock.hpp\"") == "ports");
  CHECK_FALSE(otpgate_folder("// #include \"otpgate/redis/connection.hpp\"").has_value());
  CHECK_FALSE(otpgate_folder("#include <boost/asio/awaitable.hpp>").has_value());

  std::size_t files = 0;
  auto violations =
      outside({"include/otpgate/app", "src/app"}, {"app", "core", "ports", "util"}, files);
  const auto ports = outside({"include/otpgate/ports"}, {"core", "ports"}, files);
  violations.insert(violations.end(), ports.begin(), ports.end());
  CHECK(files >= 25);  // the walk really saw them (14 app files and 13 ports today)
  for (const auto& v : violations) FAIL_CHECK(v);
  CHECK(violations.empty());
}

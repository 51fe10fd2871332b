// The application layer works on ports only (docs/architecture.md, "What depends on what"):
// nothing under include/otpgate/app/ or src/app/ includes an adapter's header (gateways, redis,
// store, crypto, http, metrics) or the start-up side (wiring, api), and a port includes nothing
// but core and the other ports. The API edge (include/otpgate/api/, src/api/) reaches storage, the
// phone parser, key hashing and the gateways only through the application services. The app tier's
// executable links only otpgate_usecases, the core and util, so a use case that calls an adapter
// fails to link there too; this check also sees an include the linker cannot (a header-only adapter
// part, a type used without a call).
#include <catch2/catch.hpp>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
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

// Adds "file:line includes folder: text" for every otpgate include of `file` outside `allowed`.
void scan(const fs::path& file, const std::set<std::string>& allowed,
          std::vector<std::string>& found) {
  std::ifstream in(file);
  REQUIRE(in.good());
  std::string line;
  for (int n = 1; std::getline(in, line); ++n)
    if (const auto folder = otpgate_folder(line); folder && !allowed.count(*folder))
      found.push_back(fs::relative(file, OTPGATE_SOURCE_DIR).string() + ":" + std::to_string(n) +
                      " includes " + *folder + ": " + line);
}

// The same for every file under the folders `dirs` (or each file named in it).
std::vector<std::string> outside(const std::vector<std::string>& dirs,
                                 const std::set<std::string>& allowed, std::size_t& files) {
  const fs::path root = OTPGATE_SOURCE_DIR;
  std::vector<std::string> found;
  for (const auto& dir : dirs) {
    if (fs::is_regular_file(root / dir)) {
      ++files;
      scan(root / dir, allowed, found);
      continue;
    }
    REQUIRE(fs::is_directory(root / dir));
    for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
      if (!entry.is_regular_file()) continue;
      ++files;
      scan(entry.path(), allowed, found);
    }
  }
  return found;
}

// Whether `name` appears in the file as a whole identifier.
bool names(const fs::path& file, std::string_view name) {
  std::ifstream in(file);
  REQUIRE(in.good());
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (auto at = text.find(name); at != std::string::npos; at = text.find(name, at + 1))
    if ((at == 0 || !word(text[at - 1])) &&
        (at + name.size() == text.size() || !word(text[at + name.size()])))
      return true;
  return false;
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
  CHECK(files >= 25);  // the walk really saw them (20 app files and 17 ports today)
  for (const auto& v : violations) FAIL_CHECK(v);
  CHECK(violations.empty());
}

TEST_CASE("the API edge reaches stores, crypto and gateways only through the application",
          "[unit][layering]") {
  // The metrics registry is the one adapter it renders itself (GET /metrics); the console's
  // file table (src/console) answers GET /console/... itself.
  std::size_t files = 0;
  const auto violations =
      outside({"include/otpgate/api", "src/api"},
              {"api", "app", "core", "ports", "http", "util", "metrics", "console"}, files);
  CHECK(files >= 20);  // the walk really saw them (21 today)
  for (const auto& v : violations) FAIL_CHECK(v);
  CHECK(violations.empty());
  for (const auto& dir : {"include/otpgate/api", "src/api"})
    for (const auto& entry : fs::directory_iterator(fs::path(OTPGATE_SOURCE_DIR) / dir))
      for (const char* adapter : {"TemplateStore", "AuditLog", "SubscriberStore", "parse_phone",
                                  "sha256_hex", "parse_report", "GatewayCatalog"}) {
        CAPTURE(entry.path().string(), adapter);
        const bool named = names(entry.path(), adapter);
        CHECK_FALSE(named);
      }
}

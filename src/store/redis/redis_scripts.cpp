// The one table of scripts: built once from the embedded sources (the generated
// lua_scripts.cpp), each with its SHA-1.
#include "otpgate/store/redis/redis_scripts.hpp"

#include "otpgate/util/log_limit.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace otpgate::scripts {
namespace {

struct Table {
  std::map<std::string_view, std::string_view> by_name;
  // Keyed by the source's address: the named constants and the table share their text.
  std::map<const char*, redis::Script> by_source;
};

const Table& table() {
  // A function-local static is thread-safe to initialise.
  static const Table all = [] {
    Table t;
    for (const detail::Embedded& e : detail::embedded()) {
      t.by_name.emplace(e.name, e.source);
      t.by_source.emplace(e.source.data(), redis::Script(std::string(e.source)));
    }
    return t;
  }();
  return all;
}

}  // namespace

const std::map<std::string_view, std::string_view>& by_name() {
  return table().by_name;
}

const redis::Script& cached(std::string_view source) {
  const auto& scripts = table().by_source;
  const auto it = scripts.find(source.data());
  // A text that is not in the table would otherwise be sent under another one's SHA.
  if (it == scripts.end()) throw std::logic_error("redis script not in the embedded table");
  return it->second;
}

void log_script_error(const std::string& error) {
  static log::limited lines;
  lines.write(log::level::error, "redis script error", [&] {
    return nlohmann::json{{"error", error}};
  });
}

}  // namespace otpgate::scripts

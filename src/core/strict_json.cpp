#include "otpgate/core/strict_json.hpp"

#include <set>
#include <vector>

namespace otpgate {
namespace {

using json = nlohmann::json;

// One open object or array while parsing: the keys seen so far and the one being read.
struct Frame {
  bool object = false;
  std::set<std::string> keys;
  std::string current;
};

std::string dotted(const std::vector<Frame>& open) {
  std::string path;
  for (const auto& f : open) {
    if (!f.object) continue;
    if (!path.empty()) path += '.';
    path += f.current;
  }
  return path;
}

}  // namespace

StrictJson parse_strict_json(std::string_view text) {
  StrictJson out;
  std::vector<Frame> open;
  const json::parser_callback_t watch = [&](int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        open.push_back(Frame{.object = event == json::parse_event_t::object_start});
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!open.empty()) open.pop_back();
        break;
      case json::parse_event_t::key:
        if (!open.empty() && !out.duplicate_key) {
          Frame& top = open.back();
          top.current = parsed.get<std::string>();
          if (!top.keys.insert(top.current).second) out.duplicate_key = dotted(open);
        }
        break;
      case json::parse_event_t::value:
        break;
    }
    return true;
  };
  out.value = json::parse(text.begin(), text.end(), watch, false);
  if (out.duplicate_key) out.value = json(json::value_t::discarded);
  return out;
}

}  // namespace otpgate

// The EventSink port as a recorder: every published event, in order.
#pragma once

#include "otpgate/ports/event_sink.hpp"

#include <algorithm>
#include <optional>
#include <vector>

namespace otpgate::test {

class RecordingEventSink final : public EventSink {
 public:
  void publish(const Event& e) override { events.push_back(e); }

  std::vector<EventType> types() const {
    std::vector<EventType> out;
    for (const Event& e : events) out.push_back(e.type);
    return out;
  }
  int count(EventType type) const {
    return static_cast<int>(std::count_if(events.begin(), events.end(),
                                          [type](const Event& e) { return e.type == type; }));
  }
  // The last event of that type, if any.
  std::optional<Event> last(EventType type) const {
    for (auto it = events.rbegin(); it != events.rend(); ++it)
      if (it->type == type) return *it;
    return std::nullopt;
  }

  std::vector<Event> events;
};

}  // namespace otpgate::test

// GET /metrics in the Prometheus text format 0.0.4 (docs/metrics.md): on the main listener, or
// alone on its own listener when OTPGATE_METRICS_LISTEN is set. Unauthenticated, as Prometheus
// scrapes: it holds counts by bounded labels, never an id, a phone number or a key.
#pragma once

#include "otpgate/http/message.hpp"
#include "otpgate/metrics/registry.hpp"

namespace otpgate::api {

inline constexpr std::string_view metrics_path = "/metrics";

// The registry rendered (GET and HEAD), or 405 for another method.
http::Response metrics_response(const http::Request& req, const metrics::Registry& registry);

// The metrics listener's handler: /metrics, and 404 NOT_FOUND for every other path.
http::Handler metrics_listener_handler(const metrics::Registry& registry);

}  // namespace otpgate::api

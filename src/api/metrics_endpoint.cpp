#include "otpgate/api/metrics_endpoint.hpp"

#include "otpgate/api/errors.hpp"
#include "otpgate/ports/task.hpp"
#include "otpgate/metrics/text_format.hpp"

namespace otpgate::api {
namespace {

// A coroutine over a request that outlives it (the session keeps it until the answer is sent):
// rendering does not suspend, so the answer is ready at the first resume.
task<http::Response> serve_metrics(const http::Request& req, const metrics::Registry& registry) {
  http::Response r = req.method == "GET" || req.method == "HEAD" ? metrics_response(req, registry)
                                                                 : method_not_allowed("GET, HEAD");
  r.log_route = std::string(metrics_path);
  co_return r;
}

task<http::Response> not_found() {
  http::Response r = error_response(errc::not_found, "No such route.");
  r.log_route = "{unmatched}";
  co_return r;
}

}  // namespace

http::Response metrics_response(const http::Request& req, const metrics::Registry& registry) {
  http::Response r;
  if (req.method != "GET" && req.method != "HEAD") {
    r = method_not_allowed("GET, HEAD");
  } else {
    r.content_type = std::string(metrics::content_type);
    r.body = registry.render();
  }
  r.log_route = std::string(metrics_path);
  return r;
}

http::Handler metrics_listener_handler(const metrics::Registry& registry) {
  return [&registry](http::Request& req) -> task<http::Response> {
    if (req.path == metrics_path) return serve_metrics(req, registry);
    return not_found();
  };
}

}  // namespace otpgate::api

// The HttpClient port as a recorder: every request, answered from a script (the last answer
// repeats; 200 when none is scripted), at once.
#pragma once

#include "otpgate/ports/http_client.hpp"

#include <deque>
#include <vector>

namespace otpgate::test {

class RecordingHttpClient final : public HttpClient {
 public:
  task<result<HttpResponse>> perform(const HttpRequest& request,
                                     const HttpTimeouts& timeouts) override {
    requests.push_back(request);
    (void)timeouts;
    HttpResponse r{.status = 200};
    if (!statuses.empty()) {
      r.status = statuses.front();
      if (statuses.size() > 1) statuses.pop_front();
    }
    co_return r;
  }

  std::vector<HttpRequest> requests;
  std::deque<int> statuses;
};

}  // namespace otpgate::test

// Every answer an otpgate under test gives the end-to-end suite is checked against the OpenAPI
// document (docs/openapi.json): OtpgateProcess watches its port from start to stop, the HTTP
// client shows each answer from a watched port here, and the process's destructor fails the test
// with whatever did not match. A path the document does not have must answer 404 NOT_FOUND.
#pragma once

#include <string>
#include <vector>

namespace otpgate::test::contract {

void watch(unsigned short port);
// Stops watching and returns the problems seen since watch(port), one line each.
std::vector<std::string> unwatch(unsigned short port);
// Called by the HTTP client with every answer (status 0, a transport error, is ignored).
void observe(const std::string& method, const std::string& url, long status,
             const std::string& content_type, const std::string& body);

}  // namespace otpgate::test::contract

#include "support/http_client.hpp"

#include "support/api_contract.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace otpgate::test {
namespace {

// curl_global_init is not thread-safe; tests issue requests from many threads at once.
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("curl_global_init failed");
    }
  });
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  static_cast<HttpResponse*>(user)->body.append(data, size * count);
  return size * count;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  const std::string line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    response->headers.clear();  // a new status line: drop an interim (1xx) response's headers
    return line.size();
  }
  const auto colon = line.find(':');
  if (colon == std::string::npos) return line.size();
  const std::string name = lower(trim(line.substr(0, colon)));
  const std::string value = trim(line.substr(colon + 1));
  auto [it, inserted] = response->headers.try_emplace(name, value);
  if (!inserted) it->second += ", " + value;
  return line.size();
}

bool has_header(const Headers& headers, const std::string& name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return lower(h.first) == lower(name); });
}

using CurlHandle = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using CurlList = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

CurlList build_header_list(const Headers& headers) {
  CurlList list(nullptr, curl_slist_free_all);
  auto append = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(list.get(), line.c_str());
    if (next == nullptr) throw std::runtime_error("curl_slist_append failed");
    list.release();
    list.reset(next);
  };
  for (const auto& [name, value] : headers) {
    // "Name:" alone would tell curl to remove the header; "Name;" sends it with an empty value.
    append(value.empty() ? name + ";" : name + ": " + value);
  }
  if (!has_header(headers, "content-type")) append("Content-Type:");
  if (!has_header(headers, "expect")) append("Expect:");
  return list;
}

std::runtime_error sys_error(const std::string& what, int err) {
  return std::runtime_error(what + ": " + std::strerror(err));
}

}  // namespace

nlohmann::json HttpResponse::json() const {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error("response (status " + std::to_string(status) +
                             ") is not JSON: " + e.what() + "; body: " + body.substr(0, 500) +
                             (error.empty() ? "" : "; transport error: " + error));
  }
}

std::string HttpResponse::header(const std::string& name) const {
  const auto it = headers.find(lower(name));
  return it == headers.end() ? std::string{} : it->second;
}

namespace {

// ca_file: "" for plain HTTP (curl's defaults), else the only trusted certificate(s).
HttpResponse perform(const std::string& method, const std::string& url, const Headers& headers,
                     const std::string& body, std::chrono::milliseconds timeout,
                     const std::string& ca_file) {
  init_curl_once();
  HttpResponse response;
  CurlHandle curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    response.error = "curl_easy_init failed";
    return response;
  }
  CurlList header_list = build_header_list(headers);
  CURL* h = curl.get();
  char error_buffer[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  // Why NOSIGNAL: curl's timeouts otherwise use SIGALRM, which is not thread-safe.
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &response);
  if (!ca_file.empty()) {
    curl_easy_setopt(h, CURLOPT_CAINFO, ca_file.c_str());
    curl_easy_setopt(h, CURLOPT_CAPATH, nullptr);  // only this file, not the system store
  }
  if (method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (method != "GET" || !body.empty()) {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
  }
  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    response.status = 0;
    response.error = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc);
    return response;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  contract::observe(method, url, response.status, response.header("content-type"), response.body);
  return response;
}

}  // namespace

HttpResponse http_request(const std::string& method, const std::string& url, const Headers& headers,
                          const std::string& body, std::chrono::milliseconds timeout) {
  return perform(method, url, headers, body, timeout, "");
}

HttpResponse https_request(const std::string& method, const std::string& url,
                           const std::string& ca_file, const Headers& headers,
                           const std::string& body, std::chrono::milliseconds timeout) {
  return perform(method, url, headers, body, timeout, ca_file);
}

HttpResponse http_get(const std::string& url, const Headers& headers,
                      std::chrono::milliseconds timeout) {
  return http_request("GET", url, headers, {}, timeout);
}

HttpResponse http_post_json(const std::string& url, const nlohmann::json& body,
                            const Headers& headers, std::chrono::milliseconds timeout) {
  Headers all = headers;
  if (!has_header(all, "content-type")) all.emplace_back("Content-Type", "application/json");
  return http_request("POST", url, all, body.dump(), timeout);
}

std::pair<std::string, std::string> bearer(const std::string& api_key) {
  return {"Authorization", "Bearer " + api_key};
}

RawConnection::RawConnection(unsigned short port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw sys_error("socket", errno);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int e = errno;
    ::close(fd_);
    fd_ = -1;
    throw sys_error("connect to 127.0.0.1:" + std::to_string(port), e);
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    // MSG_NOSIGNAL: a peer that already closed must fail the call, not kill the test.
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

void RawConnection::shutdown_write() {
  ::shutdown(fd_, SHUT_WR);
}

RawResult RawConnection::read_until_close(std::chrono::milliseconds timeout) {
  return read_until({}, timeout);
}

RawResult RawConnection::read_until(const std::string& needle, std::chrono::milliseconds timeout) {
  RawResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[16384];
  while (needle.empty() || result.received.find(needle) == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{fd_, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) {
      result.received.append(buffer, static_cast<size_t>(n));
      continue;
    }
    result.closed_by_peer = true;
    result.reset = n < 0 && errno == ECONNRESET;
    break;
  }
  return result;
}

RawResult raw_exchange_result(unsigned short port, const std::string& bytes,
                              std::chrono::milliseconds timeout) {
  RawConnection connection(port);
  if (!connection.send(bytes)) {
    // The server closed while we were still sending (e.g. it rejected an oversized request
    // early); what it answered, if anything, is still readable.
    RawResult result = connection.read_until_close(std::chrono::milliseconds(500));
    result.closed_by_peer = true;
    return result;
  }
  return connection.read_until_close(timeout);
}

std::string raw_exchange(unsigned short port, const std::string& bytes,
                         std::chrono::milliseconds timeout) {
  return raw_exchange_result(port, bytes, timeout).received;
}

bool closed_by_peer_within(unsigned short port, const std::string& bytes,
                           std::chrono::milliseconds timeout) {
  return raw_exchange_result(port, bytes, timeout).closed_by_peer;
}

RawAnswer split_raw_answer(const std::string& got) {
  const auto end = got.find("\r\n\r\n");
  if (end == std::string::npos) throw std::runtime_error("no end of head in: " + got.substr(0, 200));
  RawAnswer a;
  a.status_line = got.substr(0, got.find("\r\n"));
  a.head = got.substr(0, end);
  for (auto& c : a.head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  a.body = got.substr(end + 4);
  return a;
}

}  // namespace otpgate::test

// Private to src/http: what TlsContext wraps. Only the TLS translation units include Asio's ssl
// headers.
#pragma once

#include "otpgate/http/tls.hpp"

#include <boost/asio/ssl/context.hpp>

namespace otpgate::http {

struct TlsContext::impl {
  // Mutable: asio's ssl stream constructor takes a non-const context but only calls SSL_new on
  // it, which OpenSSL allows from many threads at once (the session cache locks itself). Nothing
  // changes the context after from_pem_files returns.
  mutable boost::asio::ssl::context ctx{boost::asio::ssl::context::tls_server};
};

}  // namespace otpgate::http

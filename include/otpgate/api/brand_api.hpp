// The brand-scoped endpoints under /v1/brands/{brand}/: the brand managers' templates (read,
// write with If-Match, preview, versions, rollback), support's subscriber lookup and unlock, and
// the audit log. Thin: the route table checked the key's roles and brand before; a handler finds
// the path's brand, parses the request into a command, calls the service (app/template_service,
// app/support_service: the rules and the storage behind their ports) and renders its answer.
#pragma once

#include "otpgate/api/route_table.hpp"
#include "otpgate/app/brand_registry.hpp"
#include "otpgate/app/support_service.hpp"
#include "otpgate/app/template_service.hpp"
#include "otpgate/core/api_keys.hpp"
#include "otpgate/http/message.hpp"

#include <string>
#include <string_view>

namespace otpgate::api {

struct BrandApiContext {
  const BrandRegistry& brands;  // the path's brand
  TemplateService& templates;   // .../templates...
  SupportService& support;      // .../subscribers/... and .../audit
};

class BrandApi {
 public:
  explicit BrandApi(BrandApiContext ctx) : ctx_(ctx) {}
  // One of the brand routes' handlers for the brand of the path, which the key covers.
  // `second` is the path's {locale} or {phone}, "" for the others.
  task<http::Response> serve(Handler h, http::Request& req, const ApiKey& key,
                             std::string_view brand, std::string_view second);

 private:
  task<http::Response> list(const Brand& brand);
  // The template routes of one locale: the path's locale is checked (template_service's
  // target()) before the request is read.
  task<http::Response> on_locale(Handler h, http::Request& req, const ApiKey& key,
                                 const TemplateTarget& t);
  task<http::Response> read(const TemplateTarget& t);
  task<http::Response> write(http::Request& req, const ApiKey& key, const TemplateTarget& t);
  task<http::Response> preview(http::Request& req, const TemplateTarget& t);
  task<http::Response> versions(const TemplateTarget& t);
  task<http::Response> rollback(http::Request& req, const ApiKey& key, const TemplateTarget& t);
  task<http::Response> audit(http::Request& req, const std::string& brand);
  // GET .../subscribers/{phone} and POST .../subscribers/{phone}/unlock (brand_support.cpp).
  task<http::Response> subscriber(http::Request& req, const ApiKey& key, const std::string& brand,
                                  std::string_view phone_segment, bool unlock);

  BrandApiContext ctx_;
};

}  // namespace otpgate::api

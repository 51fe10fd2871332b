// The brand-scoped endpoints under /v1/brands/{brand}/: the brand managers' templates (read,
// write with If-Match, preview, versions, rollback), support's subscriber lookup and unlock, and
// the audit log. Thin: parsing and rendering (the route table checked the key's roles and brand
// before); the lint is core/template_lint, storage store/redis/template_store and
// store/redis/subscriber_store.
#pragma once

#include "otpgate/api/route_table.hpp"
#include "otpgate/app/brand_registry.hpp"
#include "otpgate/core/api_keys.hpp"
#include "otpgate/core/template_lint.hpp"
#include "otpgate/http/message.hpp"
#include "otpgate/ports/clock.hpp"
#include "otpgate/ports/event_sink.hpp"
#include "otpgate/ports/template_store.hpp"
#include "otpgate/store/redis/audit_log.hpp"
#include "otpgate/store/redis/subscriber_store.hpp"

#include <string>
#include <string_view>

namespace otpgate::api {

struct BrandApiContext {
  BrandRegistry& brands;
  TemplateStore& templates;
  AuditLog& audit;
  SubscriberStore& subscribers;
  const Clock& clock;
  EventSink& events;  // unlocks are events (analytics count them)
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
  task<http::Response> read(const Brand& brand, const std::string& locale);
  task<http::Response> write(http::Request& req, const ApiKey& key, const Brand& brand,
                             const std::string& locale);
  task<http::Response> preview(http::Request& req, const Brand& brand, const std::string& locale);
  task<http::Response> versions(const Brand& brand, const std::string& locale);
  task<http::Response> rollback(http::Request& req, const ApiKey& key, const Brand& brand,
                                const std::string& locale);
  task<http::Response> audit(http::Request& req, const std::string& brand);
  // GET .../subscribers/{phone} and POST .../subscribers/{phone}/unlock: the audit entry first
  // (no support action without one), then the lookup or unlock.
  task<http::Response> subscriber(http::Request& req, const ApiKey& key, const std::string& brand,
                                  std::string_view phone_segment, bool unlock);
  // Saves (save below) and answers the saved template, or 412 with the current version.
  task<http::Response> save_and_render(const TemplateChange& change, const Brand& brand,
                                       const std::string& source, const std::string& text,
                                       const LintReport& report);
  // Saves and, on success, lays the brand's stored templates over this process's brands at
  // once (other processes follow within TemplateSync's period).
  task<result<SaveOutcome>> save(const TemplateChange& change);
  // The brand files' template for a locale (without saved versions), if there is one.
  struct FileTemplate {
    std::string text;
    std::string source;  // "brand" or "default"
  };
  std::optional<FileTemplate> file_template(const std::string& brand,
                                            const std::string& locale) const;

  BrandApiContext ctx_;
};

}  // namespace otpgate::api

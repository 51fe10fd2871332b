// The poller that lays the brand managers' saved templates over the brand files: it follows
// each brand's change counter in the template store and reloads the brands whose counter moved.
#pragma once

#include "otpgate/app/brand_registry.hpp"
#include "otpgate/ports/template_store.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>

namespace otpgate {

// Keeps a BrandRegistry's overrides in step with Redis: every `period` it reads each brand's
// change counter and reloads the brands whose counter differs from the one in effect (also
// when it went backwards). One per process.
class TemplateSync {
 public:
  TemplateSync(boost::asio::io_context& ioc, TemplateStore& store, BrandRegistry& registry,
               std::chrono::milliseconds period);
  // Starts polling on the io_context; the first pass runs at once.
  void start();
  void stop();

 private:
  task<void> run();
  task<void> pass();

  boost::asio::steady_timer timer_;
  TemplateStore& store_;
  BrandRegistry& registry_;
  std::chrono::milliseconds period_;
  bool stopped_ = false;
};

}  // namespace otpgate

// otpgate: wiring only. Reads the configuration, builds one set of adapters and services per io
// thread, and runs the HTTP server until SIGINT/SIGTERM; SIGHUP reloads the brand files
// (wiring/brand_reloader.hpp).
#include "otpgate/api/brand_api.hpp"
#include "otpgate/api/metrics_endpoint.hpp"
#include "otpgate/api/router.hpp"
#include "otpgate/app/alert_monitor.hpp"
#include "otpgate/app/sms_dispatcher.hpp"
#include "otpgate/app/send_deadline_sweep.hpp"
#include "otpgate/app/stats_service.hpp"
#include "otpgate/app/support_service.hpp"
#include "otpgate/app/template_service.hpp"
#include "otpgate/app/template_sync.hpp"
#include "otpgate/app/verification_service.hpp"
#include "otpgate/app/delivery_reports.hpp"
#include "otpgate/console/console_files.hpp"
#include "otpgate/app/verification_requests.hpp"
#include "otpgate/crypto/key_directory.hpp"
#include "otpgate/crypto/openssl.hpp"
#include "otpgate/crypto/phone_parser.hpp"
#include "otpgate/gateways/curl_multi.hpp"
#include "otpgate/gateways/report_reader.hpp"
#include "otpgate/http/server.hpp"
#include "otpgate/metrics/metered.hpp"
#include "otpgate/metrics/otpgate_metrics.hpp"
#include "otpgate/signals/camara_signals.hpp"
#include "otpgate/store/redis/audit_log.hpp"
#include "otpgate/store/redis/redis_analytics.hpp"
#include "otpgate/store/redis/redis_limiter.hpp"
#include "otpgate/store/redis/redis_scripts.hpp"
#include "otpgate/store/redis/redis_store.hpp"
#include "otpgate/store/redis/subscriber_store.hpp"
#include "otpgate/store/redis/template_store.hpp"
#include "otpgate/util/log.hpp"
#include "otpgate/util/log_limit.hpp"
#include "otpgate/util/system_clock.hpp"
#include "otpgate/wiring/brand_reloader.hpp"
#include "otpgate/wiring/config.hpp"
#include "otpgate/wiring/operators_config.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

namespace {

using namespace otpgate;

// Everything one io thread owns. Lives until main returns, after all threads have stopped.
struct ThreadState {
  ThreadState(boost::asio::io_context& ioc, unsigned index, const AppConfig& cfg,
              BrandRegistry& brands, const KeyDirectory& keys, const Keyring& keyring,
              const Clock& clock, const gateways::GatewayCatalog& catalog,
              const std::vector<std::string>& gateway_names, const console::Files& console,
              std::function<bool()> ready, signals::SignalsShared* signals_shared)
      : redis(ioc, cfg.redis),
        store(redis),
        limits(redis),
        events(ioc, redis, {cfg.events_max_len, cfg.events_retention}, cfg.analytics_counters),
        metered_events(events, metrics::process()),
        http(ioc, cfg.gateway_pool),
        gateways(metrics::metered(gateways::create(gateway_names, catalog, http, cfg.gateways),
                                  metrics::process())),
        dispatcher(gateways, catalog, clock, random),
        network_signals(signals_shared
                            ? std::make_unique<signals::CamaraSignals>(http, *signals_shared)
                            : nullptr),
        service(ServiceDeps{brands, store, limits, metered_events, dispatcher, clock, random,
                            keyring, cfg.retention_ms, cfg.redis.command_timeout.count(),
                            network_signals.get()}),
        audit(redis),
        verifications(VerificationRequestsDeps{service, brands, phones, audit, clock, keyring}),
        report_reader(catalog),
        reports(report_reader, service),
        templates(redis),
        subscribers(redis, keyring),
        template_service(brands, templates, clock, keyring),
        support(audit, subscribers, phones, metered_events, clock, keyring),
        brand_api(api::BrandApiContext{brands, template_service, support}),
        stats_store(redis),
        alert_store(redis),
        stats(brands, stats_store, alert_store, clock),
        stats_api(api::StatsApiContext{stats, clock}),
        router(api::ApiContext{keys, verifications, reports, std::move(ready), clock, brand_api,
                               stats_api, brands, console,
                               cfg.metrics_server ? nullptr : &metrics::registry()}) {
    redis.start();
    // One poller per process lays the brand managers' saved templates over the brand files,
    // and one evaluates the analytics alerts (one evaluator per brand across processes).
    if (index == 0) {
      sync.emplace(ioc, templates, brands, template_poll_period);
      sync->start();
      monitor.emplace(AlertMonitorDeps{.ioc = ioc,
                                       .brands = brands,
                                       .stats = stats_store,
                                       .alerts = alert_store,
                                       .events = metered_events,
                                       .http = http,
                                       .signer = signer,
                                       .clock = clock,
                                       .period = std::chrono::milliseconds(cfg.alert_period_ms),
                                       .env =
                                           [](const std::string& name) {
                                             const char* v = std::getenv(name.c_str());
                                             return v ? std::string(v) : std::string();
                                           },
                                       .on_open_count = metrics::set_open_alerts});
      monitor->start();
      // Creates whose first SMS nobody sent by its deadline end send_failed.
      sweep.emplace(ioc, service, send_sweep_period);
      sweep->start();
    }
  }
  ~ThreadState() {
    if (sync) sync->stop();
    if (monitor) monitor->stop();
    if (sweep) sweep->stop();
  }
  static constexpr std::chrono::milliseconds send_sweep_period{1000};
  static constexpr std::chrono::milliseconds template_poll_period{250};

  redis::Connection redis;
  RedisStore store;
  RedisRateLimiter limits;
  RedisEventSink events;
  metrics::MeteredEventSink metered_events;  // counts, then forwards to `events`
  crypto::OpensslRandom random;
  crypto::OpensslSigner signer;
  gateways::CurlMulti http;
  std::map<std::string, std::unique_ptr<SmsGateway>> gateways;
  SmsDispatcher dispatcher;
  // The operators' network signals on this thread's `http`; null without an operators file.
  std::unique_ptr<signals::CamaraSignals> network_signals;
  VerificationService service;
  crypto::LibphonenumberParser phones;
  RedisAuditLog audit;
  VerificationRequests verifications;
  gateways::CatalogReportReader report_reader;
  DeliveryReports reports;
  RedisTemplateStore templates;
  RedisSubscriberStore subscribers;
  TemplateService template_service;
  SupportService support;
  api::BrandApi brand_api;
  RedisStatsStore stats_store;
  RedisAlertStore alert_store;
  StatsService stats;
  api::StatsApi stats_api;
  api::Router router;
  std::optional<TemplateSync> sync;
  std::optional<AlertMonitor> monitor;
  std::optional<SendDeadlineSweep> sweep;
};

// The listener of OTPGATE_METRICS_LISTEN: /metrics only, on a thread of its own, stopped and
// joined on every exit path.
class MetricsListener {
 public:
  explicit MetricsListener(const http::ServerConfig& config)
      : server_(config, [](boost::asio::io_context&, unsigned) {
          return api::metrics_listener_handler(metrics::registry());
        }) {
    server_.bind();
    thread_ = std::thread([this] { server_.run(); });
  }
  ~MetricsListener() {
    server_.stop();
    thread_.join();
  }
  MetricsListener(const MetricsListener&) = delete;
  MetricsListener& operator=(const MetricsListener&) = delete;
  unsigned short port() const { return server_.port(); }

 private:
  http::Server server_;
  std::thread thread_;
};

int print_script(const std::string& name) {
  const auto& all = scripts::by_name();
  auto it = all.find(name);
  if (it == all.end()) {
    std::cerr << "otpgate: unknown script '" << name << "'\n";
    return 2;
  }
  std::cout << it->second;
  return 0;
}

// The gateways each thread instantiates: those the brands name, and every gateway of the
// gateways file (so a reloaded brand may switch to any of them). file and log only when named:
// the file gateway opens its outbox.
std::vector<std::string> gateway_names(const BrandCatalog& brands,
                                       const gateways::GatewayCatalog& catalog) {
  std::set<std::string> names;
  for (const auto& [id, b] : brands) names.insert(b.gateways.begin(), b.gateways.end());
  for (const auto& [name, spec] : catalog)
    if (spec.type != "file" && spec.type != "log") names.insert(name);
  return {names.begin(), names.end()};
}

// What every io thread shares, read once from the configuration. The catalog and the keys are
// read-only; the brand registry is replaced by reloads and template edits.
struct Shared {
  explicit Shared(const AppConfig& cfg)
      : catalog(load_gateway_catalog(cfg.gateways_file, gateways::process_env)),
        brands(load_brands(cfg.brands_dir, cfg.templates_dir, &catalog)),
        key_registry(load_api_keys(cfg.api_keys_file, *brands.files())),
        keyring(cfg.secret),
        names(gateway_names(*brands.files(), catalog)),
        brand_count(brands.files()->size()),
        brand_ids(otpgate::brand_ids(*brands.files())),
        console(console::load_files(cfg.console_dir)),
        signals(cfg.operators, clock) {
    check_signal_operators(*brands.files(), cfg.operators, cfg.operators_file);
  }

  const gateways::GatewayCatalog catalog;
  BrandRegistry brands;
  const ApiKeyRegistry key_registry;
  const crypto::HashedKeyDirectory keys{key_registry};
  const crypto::OpensslKeyring keyring;
  const SystemClock clock;
  const std::vector<std::string> names;  // the gateways each thread instantiates
  const std::size_t brand_count;
  const std::vector<std::string> brand_ids;
  // OTPGATE_CONSOLE_DIR, read once: no request reads the filesystem.
  const console::Loaded console;
  // The operators' tokens, circuits and cached answers, shared by every thread's adapter.
  signals::SignalsShared signals;
};

// The process's metrics: the brands and gateways they may name, the circuits' states.
metrics::Registration export_metrics(const Shared& shared) {
  metrics::process().allow_brands(shared.brand_ids);
  std::vector<std::string> catalog_names;
  for (const auto& [name, spec] : shared.catalog) catalog_names.push_back(name);
  metrics::process().allow_gateways(catalog_names);
  return metrics::export_circuit_states(metrics::registry(), shared.catalog, shared.clock);
}

// The start-up line's fields: threads, brands, Redis and every listener's address.
nlohmann::json listening_fields(const AppConfig& cfg, const Shared& shared,
                                const http::Server& server,
                                const std::optional<MetricsListener>& metrics_listener) {
  nlohmann::json listening{{"threads", cfg.server.threads},
                           {"brands", shared.brand_count},
                           {"console_files", shared.console.files.size()},
                           {"redis", cfg.redis.host + ":" + std::to_string(cfg.redis.port)}};
  if (cfg.server.plain) {
    listening["address"] = cfg.server.address;
    listening["port"] = server.port();
  }
  if (cfg.server.tls) {
    listening["tls_address"] = cfg.server.tls->address;
    listening["tls_port"] = server.tls_port();
  }
  if (metrics_listener) {
    listening["metrics_address"] = cfg.metrics_server->address;
    listening["metrics_port"] = metrics_listener->port();
  }
  return listening;
}

int run() {
  const AppConfig cfg = config_from_env();
  log::set_level(cfg.log_level);
  log::set_repeat_interval(cfg.log_repeat_interval);
  // libphonenumber loads its metadata on first use (~15 ms): at start-up, not in a request.
  (void)crypto::parse_phone("+4915112345678");
  Shared shared(cfg);
  const metrics::Registration circuits = export_metrics(shared);
  const metrics::Registration signal_circuits =
      shared.signals.export_circuit_states(metrics::registry());
  for (const auto& warning : shared.console.warnings) log::write(log::level::warn, warning);

  std::mutex states_mutex;
  std::vector<std::unique_ptr<ThreadState>> states(cfg.server.threads);
  // Ready when every io thread's Redis link is: a load balancer must not send a request to a
  // thread that would answer 503. Each thread publishes its link once it has built it.
  std::vector<std::atomic<const redis::Connection*>> links(cfg.server.threads);
  const auto ready = [&links] {
    return std::all_of(links.begin(), links.end(), [](const auto& l) {
      const redis::Connection* c = l.load();
      return c != nullptr && c->connected();
    });
  };
  http::Server server(cfg.server, [&](boost::asio::io_context& ioc, unsigned i) {
    auto state = std::make_unique<ThreadState>(ioc, i, cfg, shared.brands, shared.keys,
                                               shared.keyring, shared.clock, shared.catalog,
                                               shared.names, shared.console.files, ready,
                                               cfg.operators.empty() ? nullptr : &shared.signals);
    api::Router& router = state->router;
    links[i].store(&state->redis);
    // A stop waits for the sends this thread still records in the background (a retry would
    // send them again), and for its events on their way to Redis.
    server.wait_on_shutdown(i, [&svc = state->service, &events = state->events] {
      return svc.background_work() || events.busy();
    });
    std::lock_guard lock(states_mutex);
    states[i] = std::move(state);
    // Not a coroutine lambda: it only starts the router's coroutine, so nothing captured has
    // to outlive a suspension inside it.
    return http::Handler([&router](http::Request& req) { return router.handle(req); });
  });
  // The per-thread adapters hold timers and descriptors of the server's io_contexts, so they
  // must go before the server does, on every exit path (declared after it: destroyed first).
  struct DestroyStatesFirst {
    std::vector<std::unique_ptr<ThreadState>>& states;
    ~DestroyStatesFirst() { states.clear(); }
  } destroy_states_first{states};
  server.bind();
  std::optional<MetricsListener> metrics_listener;
  if (cfg.metrics_server) metrics_listener.emplace(*cfg.metrics_server);

  // The first SIGTERM/SIGINT stops gracefully (OTPGATE_SHUTDOWN_GRACE_MS); a second one during
  // that grace stops at once. Waited for on a thread of their own: an io thread may finish its
  // part of the stop while others still wait out the grace.
  boost::asio::io_context signal_ioc;
  boost::asio::signal_set signals(signal_ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log::write(log::level::info, "shutting down", {{"signal", sig}});
    server.stop();
    signals.async_wait([&](const boost::system::error_code& again, int second) {
      if (again) return;
      log::write(log::level::warn, "second signal: stopping now", {{"signal", second}});
      server.stop_now();
    });
  });
  // SIGHUP: the brand files again, read on a thread of the reloader's own.
  BrandReloader reloader(server.context(0), cfg, shared.catalog, shared.names, shared.brands);
  log::write(log::level::info, "otpgate listening",
             listening_fields(cfg, shared, server, metrics_listener));
  std::thread signal_thread([&signal_ioc] { signal_ioc.run(); });
  struct JoinSignalThread {
    boost::asio::io_context& ioc;
    std::thread& thread;
    ~JoinSignalThread() {
      ioc.stop();
      thread.join();
    }
  } join_signal_thread{signal_ioc, signal_thread};
  server.run();
  log::write(log::level::info, "otpgate stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--print-script") == 0) return print_script(argv[2]);
  if (argc > 1) {
    std::cerr << "usage: otpgate            (configured by OTPGATE_* environment variables)\n"
                 "       otpgate --print-script NAME\n";
    return 2;
  }
  // Why: hiredis writes to Redis with plain send(); a connection Redis dropped while a command
  // was queued would raise SIGPIPE, whose default action ends the process. The write's EPIPE
  // is handled as a lost connection instead.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return run();
  } catch (const ConfigError& e) {
    std::cerr << "otpgate: configuration error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "otpgate: cannot start: " << e.what() << "\n";
    return 1;
  }
}

// TemplateSync (src/app/template_sync.cpp) on the in-memory template store: the poller lays the
// saved templates over the brand files when a brand's change counter moves (either way), skips a
// brand whose store fails, and leaves out a saved template the lint refuses.
#include "otpgate/app/template_sync.hpp"

#include "app/service_world.hpp"
#include "support/fakes/template_store.hpp"

using namespace otpgate;
using namespace otpgate::test;

namespace {

struct SyncWorld {
  boost::asio::io_context ioc;
  FakeTemplateStore store;
  BrandRegistry registry{catalog()};
  TemplateSync sync{ioc, store, registry, std::chrono::milliseconds(5)};

  static BrandCatalog catalog() {
    Brand other = test_brand();
    other.id = *BrandId::parse("other");
    return BrandCatalog{{"acme", test_brand()}, {"other", other}};
  }
  void save(const std::string& brand, std::int64_t revision, const std::string& text) {
    StoredTemplates& t = store.brands[brand];
    t.revision = revision;
    t.locales["en"] = StoredTemplate{.version = revision, .text = text};
  }
  // Lets the poller run a few passes.
  void poll() {
    if (ioc.stopped()) ioc.restart();
    ioc.run_for(std::chrono::milliseconds(40));
  }
  std::string source(const std::string& brand) const {
    const auto b = registry.current()->at(brand);
    const auto it = b.template_sources.find("en");
    return it == b.template_sources.end() ? "files" : it->second;
  }
  std::string rendered(const std::string& brand) const {
    TemplateValues v;
    v.code = "123456";
    v.brand = "Acme";
    return registry.current()->at(brand).templates.at("en").render(v);
  }
  ~SyncWorld() {
    sync.stop();
    ioc.restart();
    ioc.run_for(std::chrono::milliseconds(20));
  }
};

}  // namespace

TEST_CASE("the first pass lays the saved templates over the files", "[app][template_sync]") {
  SyncWorld w;
  w.save("acme", 3, "{{code}} is your Acme code");
  w.sync.start();
  w.poll();
  CHECK(w.registry.revision("acme") == 3);
  CHECK(w.source("acme") == "api");
  CHECK(w.rendered("acme") == "123456 is your Acme code");
  CHECK(w.source("other") == "files");
}

TEST_CASE("an unchanged counter reads nothing more, a moved one reloads, also backwards",
          "[app][template_sync]") {
  SyncWorld w;
  w.save("acme", 3, "{{code}} is your Acme code");
  w.sync.start();
  w.poll();
  const int reads = w.store.all_calls;
  w.poll();
  CHECK(w.store.all_calls == reads);  // counters unchanged: no brand read again
  w.save("acme", 4, "Acme: {{code}}");
  w.poll();
  CHECK(w.rendered("acme") == "Acme: 123456");
  // A restored Redis: the counter went back, and is followed.
  w.save("acme", 1, "Old Acme {{code}}");
  w.poll();
  CHECK(w.registry.revision("acme") == 1);
  CHECK(w.rendered("acme") == "Old Acme 123456");
}

TEST_CASE("a brand whose store fails is skipped, the others still sync", "[app][template_sync]") {
  SyncWorld w;
  w.save("acme", 2, "{{code}} is your Acme code");
  w.save("other", 2, "{{code}} is your other code");
  w.store.failing.insert("acme");
  w.sync.start();
  w.poll();
  CHECK(w.registry.revision("acme") == -1);
  CHECK(w.source("acme") == "files");
  CHECK(w.source("other") == "api");
  w.store.failing.clear();
  w.poll();
  CHECK(w.source("acme") == "api");
}

TEST_CASE("a saved template the lint refuses is left out, the file's applies",
          "[app][template_sync]") {
  SyncWorld w;
  w.save("acme", 5, "no code in this text");
  w.sync.start();
  w.poll();
  CHECK(w.registry.revision("acme") == 5);
  CHECK(w.source("acme") == "files");
  CHECK(w.rendered("acme") == "Acme code 123456");
}

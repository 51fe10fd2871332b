// app/template_service: the rules of the brand managers' template routes, on in-memory ports
// (support/fakes): which locales a path may name, the lint's verdict before a save,
// If-Match, a saved text laid over the brands at once, which text is in effect, rollbacks.
#include "otpgate/app/template_service.hpp"

#include "support/fakes/support_ports.hpp"
#include "support/fakes/clock.hpp"
#include "support/fakes/keyring.hpp"
#include "support/run_sync.hpp"
#include "unit/core/template_lint_fixture.hpp"

#include <boost/asio/io_context.hpp>

using namespace otpgate;
using otpgate::test::run_sync;

namespace {

constexpr const char* good_text = "Your {{brand}} code is {{code}}.";
constexpr const char* other_text = "{{code}} is your {{brand}} code.";
constexpr const char* no_code_text = "Hello from {{brand}}.";

// "acme" (locales de and en): de from templates/ ("default"), en from the brand's folder.
BrandCatalog acme_files() {
  Brand b = lint_test::plain_brand();
  std::string error;
  b.templates.emplace("de", *Template::parse("Dein {{brand}} Code ist {{code}}.", error));
  b.template_sources.emplace("de", "default");
  b.templates.emplace("en", *Template::parse("Acme: {{code}} is your code.", error));
  b.template_sources.emplace("en", "brand");
  BrandCatalog c;
  c.emplace("acme", std::move(b));
  return c;
}

struct TemplateWorld {
  boost::asio::io_context ioc;
  BrandRegistry brands{acme_files()};
  test::FakeTemplateStore store;
  test::FakeClock clock{1'700'000'000'000};
  test::FakeKeyring keyring{"template-service-test"};
  TemplateService service{brands, store, clock, keyring};
  std::shared_ptr<const BrandCatalog> snapshot = brands.current();

  const Brand& acme() const { return snapshot->at("acme"); }
  TemplateTarget target(const std::string& locale, TemplateUse use = TemplateUse::read) {
    auto t = service.target(acme(), locale, use);
    REQUIRE(std::holds_alternative<TemplateTarget>(t));
    return std::get<TemplateTarget>(t);
  }
  TemplateOutcome<TemplateView> put(const std::string& locale, const std::string& text,
                                    std::optional<std::int64_t> expected = std::nullopt,
                                    const std::string& idempotency_key = "",
                                    const std::string& actor = "key-1") {
    const WriteTemplate cmd{.target = target(locale, TemplateUse::change),
                            .expected_version = expected,
                            .text = text,
                            .actor = actor,
                            .idempotency_key = idempotency_key};
    return run_sync(ioc, service.write(cmd));
  }
  TemplateOutcome<TemplateView> rollback(const std::string& locale, std::int64_t version,
                                         const std::string& idempotency_key = "") {
    const RollbackTemplate cmd{.target = target(locale, TemplateUse::change),
                               .version = version,
                               .actor = "key-2",
                               .idempotency_key = idempotency_key};
    return run_sync(ioc, service.rollback(cmd));
  }
};

template <class T>
const T& value_of(const TemplateOutcome<T>& out) {
  if (const auto* e = std::get_if<TemplateError>(&out))
    FAIL("error " << static_cast<int>(e->code) << ": " << e->message);
  return std::get<T>(out);
}

template <class T>
const TemplateError& error_of(const TemplateOutcome<T>& out) {
  REQUIRE(std::holds_alternative<TemplateError>(out));
  return std::get<TemplateError>(out);
}

}  // namespace

TEST_CASE("a template path names a BCP 47 locale, in the brand's spelling",
          "[app][template_service]") {
  TemplateWorld w;
  CHECK(w.target("DE").locale == "de");
  CHECK(w.target("fr").locale == "fr");  // reading a locale the brand does not offer is fine
  const auto bad = w.service.target(w.acme(), "not a tag", TemplateUse::read);
  const TemplateError& e = error_of(bad);
  CHECK(e.code == errc::template_invalid);
  CHECK(lint_test::codes(e.report) == lint_test::strings{"INVALID_LOCALE"});
}

TEST_CASE("only the locales the brand offers take a change", "[app][template_service]") {
  TemplateWorld w;
  CHECK(w.target("en", TemplateUse::change).locale == "en");
  const auto fr = w.service.target(w.acme(), "fr", TemplateUse::change);
  const TemplateError& e = error_of(fr);
  CHECK(e.code == errc::template_invalid);
  const LintProblem p = lint_test::only(e.report, "LOCALE_NOT_OFFERED");
  CHECK(p.message.find("only in de, en;") != std::string::npos);
}

TEST_CASE("a template never edited is the files' one, in effect", "[app][template_service]") {
  TemplateWorld w;
  const TemplateView v = value_of(run_sync(w.ioc, w.service.read(w.target("en"))));
  CHECK(v.version == 0);
  CHECK(v.source == "brand");
  CHECK(v.in_effect);
  CHECK(v.text == "Acme: {{code}} is your code.");
  REQUIRE(v.report.has_value());
  CHECK(v.report->ok());
  const auto fr = run_sync(w.ioc, w.service.read(w.target("fr")));
  CHECK(error_of(fr).code == errc::not_found);
  CHECK(error_of(fr).message == "This brand has no template for this locale.");
  w.store.fail = errc::store_timeout;
  const auto down = run_sync(w.ioc, w.service.read(w.target("en")));
  CHECK(error_of(down).code == errc::store_timeout);
}

TEST_CASE("a text the lint refuses is not saved", "[app][template_service]") {
  TemplateWorld w;
  const auto out = w.put("de", no_code_text);
  const TemplateError& e = error_of(out);
  CHECK(e.code == errc::template_invalid);
  CHECK(lint_test::only(e.report, "MISSING_CODE").severity == LintSeverity::error);
  CHECK(w.store.saves == 0);
}

TEST_CASE("a saved text is in effect in this process at once", "[app][template_service]") {
  TemplateWorld w;
  const TemplateView v = value_of(w.put("de", good_text));
  CHECK(v.version == 1);
  CHECK(v.source == "api");
  CHECK(v.in_effect);
  CHECK(v.text == good_text);
  REQUIRE(v.report.has_value());
  CHECK(v.report->ok());
  const auto now = w.brands.current();
  CHECK(now->at("acme").template_sources.at("de") == "api");
  CHECK(now->at("acme").templates.at("de").text() == good_text);
  const auto& saved = w.store.history["acme|de"].front();
  CHECK(saved.actor == "key-1");
  CHECK(saved.at_ms == 1'700'000'000'000);
  CHECK(saved.action == "put");
}

TEST_CASE("a change against another version is refused with the current one",
          "[app][template_service]") {
  TemplateWorld w;
  value_of(w.put("de", good_text, 0));
  const auto stale = w.put("de", other_text, 0);
  CHECK(error_of(stale).code == errc::precondition_failed);
  CHECK(error_of(stale).current_version == 1);
  CHECK(value_of(w.put("de", other_text, 1)).version == 2);
}

TEST_CASE("a stored text the brands do not use is shown as not in effect",
          "[app][template_service]") {
  TemplateWorld w;
  // Saved elsewhere (another process, or under a policy since tightened): not laid over here.
  w.store.brands["acme"].locales["en"] = StoredTemplate{4, std::string(good_text)};
  const TemplateView v = value_of(run_sync(w.ioc, w.service.read(w.target("en"))));
  CHECK(v.source == "api");
  CHECK(v.version == 4);
  CHECK_FALSE(v.in_effect);
  const TemplateList l = value_of(run_sync(w.ioc, w.service.list(w.acme())));
  REQUIRE(l.templates.size() == 2);
  CHECK(l.templates[0].locale == "de");
  CHECK(l.templates[0].source == "default");
  CHECK(l.templates[0].in_effect);
  CHECK(l.templates[1].locale == "en");
  CHECK_FALSE(l.templates[1].in_effect);
}

TEST_CASE("the list shows the brand's locales, then other stored ones", "[app][template_service]") {
  TemplateWorld w;
  w.store.brands["acme"].locales["fr"] = StoredTemplate{2, std::string(good_text)};
  w.store.brands["acme"].locales["it"] = StoredTemplate{1, std::nullopt};  // back to no file
  const TemplateList l = value_of(run_sync(w.ioc, w.service.list(w.acme())));
  CHECK(l.brand == "acme");
  std::vector<std::string> locales;
  for (const auto& t : l.templates) locales.push_back(t.locale + ":" + t.source);
  CHECK(locales == lint_test::strings{"de:default", "en:brand", "fr:api"});
  CHECK_FALSE(l.templates[0].report.has_value());
}

TEST_CASE("a preview lints the text in effect or the one sent", "[app][template_service]") {
  TemplateWorld w;
  value_of(w.put("de", good_text));
  const PreviewTemplate stored{.target = w.target("de")};
  const TemplatePreview p = value_of(run_sync(w.ioc, w.service.preview(stored)));
  CHECK(p.text == good_text);
  CHECK(p.report.sample_sms.find("Acme") != std::string::npos);
  const PreviewTemplate sent{.target = w.target("de"), .text = std::string(no_code_text)};
  const auto refused = run_sync(w.ioc, w.service.preview(sent));
  CHECK(error_of(refused).code == errc::template_invalid);
  const PreviewTemplate none{.target = w.target("fr")};
  const auto missing = run_sync(w.ioc, w.service.preview(none));
  CHECK(error_of(missing).code == errc::not_found);
}

TEST_CASE("a rollback restores a kept version or the files' text", "[app][template_service]") {
  TemplateWorld w;
  value_of(w.put("en", good_text));
  value_of(w.put("en", other_text));
  const TemplateView back = value_of(w.rollback("en", 1));
  CHECK(back.version == 3);
  CHECK(back.text == good_text);
  CHECK(back.source == "api");
  const auto& entry = w.store.history["acme|en"].front();
  CHECK(entry.action == "rollback");
  CHECK(entry.from_version == 1);
  const auto gone = w.rollback("en", 99);
  CHECK(error_of(gone).code == errc::not_found);
  CHECK(error_of(gone).message == "That version is not kept (the newest 50 are).");
  const TemplateView files = value_of(w.rollback("en", 0));
  CHECK(files.version == 4);
  CHECK(files.source == "brand");
  CHECK(files.text == "Acme: {{code}} is your code.");
  CHECK(files.in_effect);
  CHECK(w.brands.current()->at("acme").template_sources.at("en") == "brand");
}

TEST_CASE("the versions come with the current version", "[app][template_service]") {
  TemplateWorld w;
  value_of(w.put("de", good_text));
  value_of(w.put("de", other_text));
  const TemplateHistory h = value_of(run_sync(w.ioc, w.service.versions(w.target("de"))));
  CHECK(h.current_version == 2);
  REQUIRE(h.versions.size() == 2);
  CHECK(h.versions[0].version == 2);
  CHECK(h.versions[1].text == std::optional<std::string>(good_text));
}

TEST_CASE("a retried save with its key answers the first save whatever is current now",
          "[app][template_service][retry]") {
  TemplateWorld w;
  const TemplateView first = value_of(w.put("de", good_text, 0, "save-1"));
  CHECK_FALSE(first.replayed);
  // The retry's If-Match "0" is stale now: its own save moved the version.
  const TemplateView again = value_of(w.put("de", good_text, 0, "save-1"));
  CHECK(again.replayed);
  CHECK(again.version == first.version);
  CHECK(again.text == good_text);
  CHECK(w.store.history["acme|de"].size() == 1);
  // The same key with another text is another request.
  CHECK(error_of(w.put("de", other_text, 0, "save-1")).code == errc::idempotency_conflict);
  // Another API key's "save-1" is its own: judged anew (and refused, its If-Match is stale).
  CHECK(error_of(w.put("de", good_text, 0, "save-1", "key-9")).code == errc::precondition_failed);
}

TEST_CASE("a refused save is not recorded under its key", "[app][template_service][retry]") {
  TemplateWorld w;
  CHECK(error_of(w.put("de", good_text, 5, "k")).code == errc::precondition_failed);
  CHECK(error_of(w.put("de", no_code_text, std::nullopt, "k")).code == errc::template_invalid);
  CHECK(w.store.retries.empty());
  // Judged anew: with the right version the key's first save happens.
  const TemplateView v = value_of(w.put("de", good_text, 0, "k"));
  CHECK_FALSE(v.replayed);
  CHECK(v.version == 1);
}

TEST_CASE("a retried rollback with its key answers the first rollback",
          "[app][template_service][retry]") {
  TemplateWorld w;
  value_of(w.put("de", good_text));
  value_of(w.put("de", other_text));
  const TemplateView first = value_of(w.rollback("de", 1, "rb-1"));
  const TemplateView again = value_of(w.rollback("de", 1, "rb-1"));
  CHECK(again.replayed);
  CHECK(again.version == first.version);
  CHECK(again.text == good_text);
  CHECK(w.store.history["acme|de"].size() == 3);
  CHECK(error_of(w.rollback("de", 2, "rb-1")).code == errc::idempotency_conflict);
}

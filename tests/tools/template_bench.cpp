// otpgate_template_bench: how long the SMS text of one verification takes on the request path
// (template lookup with the locale fallback, rendering the pre-parsed template, the amount
// formatted for the locale, the autofill lines) and how long a brand manager's save spends in
// the lint. For scripts/bench; prints one line per measurement, never asserts.
//   usage: otpgate_template_bench REPO_DIR [ITERATIONS]   (default 1000000)
#include "otpgate/core/sms_text.hpp"
#include "otpgate/core/template_lint.hpp"
#include "otpgate/wiring/config.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

using otpgate::Brand;
using clock_type = std::chrono::steady_clock;

double ns_per(clock_type::duration d, long n) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count()) /
         static_cast<double>(n);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: otpgate_template_bench REPO_DIR [ITERATIONS]\n");
    return 2;
  }
  const std::string repo = argv[1];
  const long n = argc > 2 ? std::strtol(argv[2], nullptr, 10) : 1'000'000;
  const auto brands = otpgate::load_brands(repo + "/brands", repo + "/templates");
  const Brand& brand = brands.at("nordwind");

  // The send path: what VerificationService::send_code does to the text, for a de-AT customer.
  std::size_t bytes = 0;
  const auto start = clock_type::now();
  for (long i = 0; i < n; ++i) {
    std::string locale;
    const otpgate::Template* tpl = brand.template_for("de-AT", locale);
    otpgate::TemplateValues v;
    v.code = std::to_string(100000 + i % 900000);
    v.brand = brand.display_name;
    v.ttl_minutes = "5";
    v.amount = otpgate::format_amount("49.99", "EUR", locale);
    v.currency = "EUR";
    v.payee = "Nordwind Shop";
    v.order_id = "o-1";
    const std::string sms = otpgate::compose_sms(tpl->render(v), v.code, brand.webotp_domain,
                                                 brand.webotp_embedded_domain,
                                                 brand.android_app_hash);
    bytes += sms.size();
  }
  const auto render = clock_type::now() - start;

  // The save path: the whole lint of the brand's German text.
  std::string chosen;
  const std::string text = brand.template_for("de", chosen)->text();
  const long lints = n / 100 > 0 ? n / 100 : 1;
  std::size_t problems = 0;
  const auto lint_start = clock_type::now();
  for (long i = 0; i < lints; ++i)
    problems += otpgate::lint_template(text, "de", brand, otpgate::sample_values(brand, "de"))
                    .problems.size();
  const auto lint = clock_type::now() - lint_start;

  std::printf("render %.0f ns per SMS (%ld SMS, %zu bytes)\n", ns_per(render, n), n, bytes);
  std::printf("lint %.1f us per template (%ld runs, %zu problems)\n", ns_per(lint, lints) / 1000,
              lints, problems);
  return 0;
}

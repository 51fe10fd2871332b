// The finishing of an SMS text: amounts formatted for the reader's locale, and the autofill
// lines browsers and Android read. Pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace otpgate {

// A validated decimal amount ("49.99", "100", "1234.5") with its ISO 4217 currency, written as
// a reader of `locale` expects: "de*" -> "1.234,50 €", everything else -> "€1,234.50" (English
// style). Known symbols: EUR €, GBP £, USD $, JPY ¥; other currencies keep their code
// ("CHF 49.90" / "49,90 CHF"). Zero-decimal currencies (JPY, KRW, ISK, CLP, VND) drop the
// fraction. An empty currency formats the number alone.
std::string format_amount(std::string_view amount, std::string_view currency,
                          std::string_view locale);

// The origin-bound one-time code line of the WICG "sms-one-time-codes" format, which must be
// the message's last line: "@shop.example #123456", and with an embedded (iframe) origin
// "@shop.example #123456 @psp.example" (the spec's final syntax; an early draft used "%").
std::string webotp_line(std::string_view domain, std::string_view code,
                        std::string_view embedded_domain = {});

// The bytes the text takes as an SMS payload on the air (analyze_sms decides the encoding):
// GSM-7 packs septets, ceil(septets * 7 / 8), an extension-table character (€, {, ...) counting
// two septets; UCS-2 takes 2 bytes per UTF-16 code unit (4 for a character beyond U+FFFF). One
// SMS carries 140 bytes: 160 GSM-7 septets or 70 UCS-2 units. nullopt for invalid UTF-8.
std::optional<std::size_t> sms_payload_bytes(std::string_view utf8);

// Android's SMS Retriever reads a message only if it is "no longer than 140 bytes" as encoded
// for the air (sms_payload_bytes, not the UTF-8 length: 160 GSM characters, or 70 once one is
// outside the GSM alphabet) and carries the app's 11-character hash. Invalid UTF-8 never fits.
inline constexpr std::size_t android_max_bytes = 140;
bool fits_android_retriever(std::string_view text, std::string_view app_hash);

// The SMS as sent: the rendered template, then the app hash on its own line when the brand has
// one, then the WebOTP line last when the brand has a WebOTP domain.
std::string compose_sms(std::string body, std::string_view code, std::string_view webotp_domain,
                        std::string_view webotp_embedded, std::string_view android_app_hash);

// A caller's own text (CAMARA send-code's message) with every "{{code}}" replaced by the code;
// nothing else in it is a placeholder.
std::string fill_code(std::string_view text, std::string_view code);

}  // namespace otpgate

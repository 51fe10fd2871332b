#include "otpgate/core/static_content.hpp"

#include <catch2/catch.hpp>

using namespace otpgate;

TEST_CASE("static content: the content type follows the extension", "[unit][console]") {
  CHECK(content_type_for("index.html") == "text/html; charset=utf-8");
  CHECK(content_type_for("assets/app-ABC123.js") == "text/javascript; charset=utf-8");
  CHECK(content_type_for("assets/worker-1.mjs") == "text/javascript; charset=utf-8");
  CHECK(content_type_for("assets/app-1.css") == "text/css; charset=utf-8");
  CHECK(content_type_for("robots.txt") == "text/plain; charset=utf-8");
  CHECK(content_type_for("assets/app-1.js.map") == "application/json");
  CHECK(content_type_for("manifest.json") == "application/json");
  CHECK(content_type_for("assets/logo-1.svg") == "image/svg+xml");
  CHECK(content_type_for("assets/logo-1.png") == "image/png");
  CHECK(content_type_for("favicon.ico") == "image/x-icon");
  CHECK(content_type_for("assets/inter-1.woff2") == "font/woff2");
  // Unknown, missing or upper-case extensions are bytes, never a type a browser would run.
  CHECK(content_type_for("assets/data-1.bin") == "application/octet-stream");
  CHECK(content_type_for("README") == "application/octet-stream");
  CHECK(content_type_for("INDEX.HTML") == "application/octet-stream");
  CHECK(content_type_for("assets.d/js") == "application/octet-stream");
  CHECK(content_type_for(".html") == "application/octet-stream");
}

TEST_CASE("static content: text compresses and compressed formats do not", "[unit][console]") {
  for (const char* name : {"a.html", "a.js", "a.css", "a.svg", "a.json", "a.map", "a.txt", "a.ico"})
    CHECK(compressible(content_type_for(name)));
  for (const char* name : {"a.png", "a.woff2", "a.bin"})
    CHECK_FALSE(compressible(content_type_for(name)));
}

TEST_CASE("static content: hashed assets are immutable and everything else revalidates",
          "[unit][console]") {
  CHECK(cache_control_for("assets/app-ABC123.js") == "public, max-age=31536000, immutable");
  CHECK(cache_control_for("index.html") == "no-cache");
  CHECK(cache_control_for("favicon.ico") == "no-cache");
  CHECK(cache_control_for("assets") == "no-cache");
  CHECK(cache_control_for("assets/") == "no-cache");
  CHECK(cache_control_for("assetsx/app.js") == "no-cache");
}

TEST_CASE("static content: If-None-Match compares weakly over a list or *", "[unit][console]") {
  const std::string tag = "\"0123abcd\"";
  CHECK(if_none_match_matches(tag, tag));
  CHECK(if_none_match_matches("W/\"0123abcd\"", tag));
  CHECK(if_none_match_matches("*", tag));
  CHECK(if_none_match_matches("  * ", tag));
  CHECK(if_none_match_matches("\"x\", \"0123abcd\"", tag));
  CHECK(if_none_match_matches("\"x\",W/\"0123abcd\" , \"y\"", tag));
  CHECK(if_none_match_matches("\"a,b\", \"0123abcd\"", tag));  // a comma inside a tag
  CHECK(if_none_match_matches(",, \"0123abcd\",", tag));       // empty list elements
  CHECK_FALSE(if_none_match_matches("\"0123abc\"", tag));
  CHECK_FALSE(if_none_match_matches("\"0123abcd", tag));
  CHECK_FALSE(if_none_match_matches("0123abcd", tag));
  CHECK_FALSE(if_none_match_matches("w/\"0123abcd\"", tag));  // W/ is case-sensitive
  CHECK_FALSE(if_none_match_matches("", tag));
  CHECK_FALSE(if_none_match_matches("\"\"", tag));
  CHECK_FALSE(if_none_match_matches("\"x\" \"0123abcd\"", tag));  // no comma: malformed
  CHECK_FALSE(if_none_match_matches("\"x\", *", tag));            // * only alone
  CHECK_FALSE(if_none_match_matches("\"\"", "\"\""));             // an empty tag never matches
}

TEST_CASE("static content: Accept-Encoding admits gzip unless its weight is 0", "[unit][console]") {
  CHECK(accepts_gzip("gzip"));
  CHECK(accepts_gzip("GZip"));
  CHECK(accepts_gzip("x-gzip"));
  CHECK(accepts_gzip("gzip, deflate, br"));
  CHECK(accepts_gzip("br;q=1.0, gzip;q=0.8, *;q=0.1"));
  CHECK(accepts_gzip("gzip;q=1"));
  CHECK(accepts_gzip("gzip;q=1.000"));
  CHECK(accepts_gzip("gzip; Q=0.001"));
  CHECK(accepts_gzip("*"));
  CHECK(accepts_gzip("br, *;q=0.5"));
  CHECK_FALSE(accepts_gzip(""));
  CHECK_FALSE(accepts_gzip("identity"));
  CHECK_FALSE(accepts_gzip("br, deflate"));
  CHECK_FALSE(accepts_gzip("gzip;q=0"));
  CHECK_FALSE(accepts_gzip("gzip;q=0.0"));
  CHECK_FALSE(accepts_gzip("gzip ; q=0.000"));
  CHECK_FALSE(accepts_gzip("*;q=0"));
  CHECK_FALSE(accepts_gzip("gzip;q=0, *"));  // named beats *
  CHECK_FALSE(accepts_gzip("*, gzip;q=0"));
  CHECK_FALSE(accepts_gzip("gzip, gzip;q=0"));  // a contradiction is a refusal
  // A malformed weight is no weight a client can mean: no gzip.
  CHECK_FALSE(accepts_gzip("gzip;q=high"));
  CHECK_FALSE(accepts_gzip("gzip;q=1.5"));
  CHECK_FALSE(accepts_gzip("gzip;q=2"));
  CHECK_FALSE(accepts_gzip("gzip;q=0.0001"));
  CHECK_FALSE(accepts_gzip("gzip;q="));
  CHECK_FALSE(accepts_gzip("gzipx"));
}

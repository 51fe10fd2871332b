// Checks the server's answers against docs/openapi.json: finds the operation and the response of
// a request, and validates a JSON body with a small JSON Schema (2020-12) validator. Supported
// keywords: $ref (to "#/..."), type (a name or a list), enum, const, properties, required,
// additionalProperties, items, minItems, maxItems, allOf, anyOf, oneOf, minimum, maximum,
// minLength, maxLength (in code points), pattern (ECMAScript, searched, not anchored). format,
// description and the other annotations are not checked. Any other keyword in a schema is a
// problem (never silently ignored): document_problems() lists them.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <regex>
#include <string>
#include <vector>

namespace otpgate::test {

class OpenApiValidator {
 public:
  // Throws std::runtime_error when the document is not a JSON object.
  explicit OpenApiValidator(nlohmann::json document);
  // Reads the file; throws std::runtime_error when it cannot be read or is not JSON.
  static OpenApiValidator from_file(const std::string& path);
  // The repository's docs/openapi.json (OTPGATE_SOURCE_DIR), loaded once; safe from any thread.
  static const OpenApiValidator& repository();

  // Problems of one answer (empty: it is what the document says). concrete_path is the request
  // target as sent ("/v1/verifications/vf_abc/check?x=1"; the query is ignored, nothing is
  // percent-decoded). A path, method or status the document does not list is a problem, but a
  // 405 to a method its path does not list is checked against components/responses/
  // MethodNotAllowed: every route answers other methods so. JSON bodies are validated against
  // the response's schema; other media types (text/csv, text/plain) as a JSON string.
  std::vector<std::string> validate_response(const std::string& method,
                                             const std::string& concrete_path, int status,
                                             const std::string& content_type,
                                             const std::string& body) const;

  // Problems of one request a client sent (empty: it is what the document says), for fakes of
  // the APIs otpgate calls (the operators' CAMARA APIs): path is relative to the document's
  // server ("/check"). An operation the document does not list is a problem; a JSON body is
  // validated against the operation's requestBody schema (openapi_requests.cpp).
  std::vector<std::string> validate_request(const std::string& method, const std::string& path,
                                            const std::string& content_type,
                                            const std::string& body) const;

  // "METHOD /path/{template}" of every operation, sorted.
  std::vector<std::string> routes() const;
  // The operation a request reaches: "POST /v1/verifications/{id}/check", or "" when the
  // document has no such path or method.
  std::string route_of(const std::string& method, const std::string& concrete_path) const;

  // Problems of the document itself: a $ref that does not resolve, a schema keyword this
  // validator does not implement, a pattern that is not an ECMAScript regex.
  std::vector<std::string> document_problems() const;

  // Problems of `value` against `schema` (inline, or {"$ref": "#/components/schemas/..."}).
  // Patterns are compiled once, with the document: an inline schema's must be in it too.
  std::vector<std::string> validate(const nlohmann::json& value,
                                    const nlohmann::json& schema) const;

  const nlohmann::json& document() const { return doc_; }

 private:
  struct PathMatch {
    std::string path;                      // the document's template, "" when none matched
    const nlohmann::json* item = nullptr;  // its path item
  };
  PathMatch match_path(const std::string& concrete_path) const;
  const nlohmann::json* resolve(const std::string& ref) const;
  void check(const nlohmann::json& value, const nlohmann::json& schema, const std::string& at,
             int depth, std::vector<std::string>& out) const;
  void check_body(const nlohmann::json& response, const std::string& content_type,
                  const std::string& body, std::vector<std::string>& out) const;
  void compile_patterns(const nlohmann::json& node);
  void check_schema(const nlohmann::json& schema, const std::string& where,
                    std::vector<std::string>& out) const;
  void walk_document(const nlohmann::json& node, const std::string& where,
                     std::vector<std::string>& out) const;

  nlohmann::json doc_;
  std::map<std::string, std::regex> patterns_;  // every pattern of the document, compiled
  std::vector<std::string> bad_patterns_;
};

// The same, against OpenApiValidator::repository().
inline std::vector<std::string> validate_response(const std::string& method,
                                                  const std::string& concrete_path, int status,
                                                  const std::string& content_type,
                                                  const std::string& body) {
  return OpenApiValidator::repository().validate_response(method, concrete_path, status,
                                                          content_type, body);
}
inline std::vector<std::string> routes() {
  return OpenApiValidator::repository().routes();
}

}  // namespace otpgate::test

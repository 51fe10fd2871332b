#include "support/tls_test_cert.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace otpgate::test {
namespace {

using key_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using cert_ptr = std::unique_ptr<X509, decltype(&X509_free)>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test certificate: ") + what + " failed");
}

key_ptr new_p256_key() {
  key_ptr key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  check(key != nullptr, "EVP_EC_gen");
  return key;
}

void add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  check(ext != nullptr, "X509V3_EXT_conf_nid");
  const int added = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  check(added == 1, "X509_add_ext");
}

// As `openssl req -x509` makes them: a v3 certificate that is its own CA, so clients can use the
// certificate itself as their trust store.
cert_ptr self_signed(EVP_PKEY* key) {
  cert_ptr cert(X509_new(), X509_free);
  check(cert != nullptr, "X509_new");
  X509* x = cert.get();
  unsigned char serial[8];
  check(RAND_bytes(serial, sizeof serial) == 1, "RAND_bytes");
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  check(bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != nullptr, "serial");
  BN_free(bn);
  check(X509_set_version(x, 2) == 1, "X509_set_version");
  check(X509_gmtime_adj(X509_getm_notBefore(x), -3600) != nullptr, "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(x), 86400) != nullptr, "notAfter");
  check(X509_set_pubkey(x, key) == 1, "X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(x);
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                                   0) == 1,
        "CN");
  check(X509_set_issuer_name(x, name) == 1, "issuer");
  add_extension(x, NID_basic_constraints, "critical,CA:TRUE");
  add_extension(x, NID_subject_key_identifier, "hash");
  add_extension(x, NID_authority_key_identifier, "keyid:always");
  add_extension(x, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  check(X509_sign(x, key, EVP_sha256()) > 0, "X509_sign");
  return cert;
}

void write_key(const std::string& path, EVP_PKEY* key) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  check(f != nullptr, "open key file");
  ::chmod(path.c_str(), 0600);
  const int ok = PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  check(ok == 1, "PEM_write_PrivateKey");
}

}  // namespace

TestCertificate::TestCertificate() {
  char pattern[] = "/tmp/otpgate-tls-XXXXXX";
  check(::mkdtemp(pattern) != nullptr, "mkdtemp");
  dir_ = pattern;
  const key_ptr key = new_p256_key();
  const cert_ptr cert = self_signed(key.get());
  write_key(key_file(), key.get());
  std::FILE* f = std::fopen(cert_file().c_str(), "wb");
  check(f != nullptr, "open certificate file");
  const int ok = PEM_write_X509(f, cert.get());
  std::fclose(f);
  check(ok == 1, "PEM_write_X509");
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert.get(), &der);
  check(len > 0, "i2d_X509");
  der_.assign(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
}

TestCertificate::~TestCertificate() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string TestCertificate::write_unrelated_key(const std::string& name) const {
  const std::string path = dir_ + "/" + name;
  write_key(path, new_p256_key().get());
  return path;
}

std::string TestCertificate::write_encrypted_key(const std::string& name) const {
  std::FILE* in = std::fopen(key_file().c_str(), "rb");
  check(in != nullptr, "open key file");
  const key_ptr key(PEM_read_PrivateKey(in, nullptr, nullptr, nullptr), EVP_PKEY_free);
  std::fclose(in);
  check(key != nullptr, "PEM_read_PrivateKey");
  const std::string path = dir_ + "/" + name;
  std::FILE* out = std::fopen(path.c_str(), "wb");
  check(out != nullptr, "open encrypted key file");
  char passphrase[] = "test";
  const int ok =
      PEM_write_PKCS8PrivateKey(out, key.get(), EVP_aes_256_cbc(), passphrase, 4, nullptr, nullptr);
  std::fclose(out);
  check(ok == 1, "PEM_write_PKCS8PrivateKey");
  return path;
}

std::string TestCertificate::write_file(const std::string& name, const std::string& text) const {
  const std::string path = dir_ + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

}  // namespace otpgate::test

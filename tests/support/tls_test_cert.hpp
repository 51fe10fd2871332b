// A throwaway self-signed certificate for TLS tests, made with the OpenSSL API (no openssl CLI):
// EC P-256 key, CN=localhost, subjectAltName DNS:localhost and IP:127.0.0.1, valid from an hour
// ago for a day, written as PEM files into a fresh temp dir that the destructor removes.
#pragma once

#include <string>

namespace otpgate::test {

class TestCertificate {
 public:
  // Throws std::runtime_error when OpenSSL or the file system fails.
  TestCertificate();
  ~TestCertificate();
  TestCertificate(const TestCertificate&) = delete;
  TestCertificate& operator=(const TestCertificate&) = delete;

  const std::string& dir() const { return dir_; }
  // The certificate (also the trust anchor a client needs: it is self-signed).
  std::string cert_file() const { return dir_ + "/cert.pem"; }
  // Its private key, unencrypted PEM (mode 0600).
  std::string key_file() const { return dir_ + "/key.pem"; }
  // The certificate in DER, to compare with what a client received.
  const std::string& der() const { return der_; }

  // Writes a new P-256 key that belongs to no certificate to dir()/name and returns its path.
  std::string write_unrelated_key(const std::string& name) const;
  // Writes the certificate's own key, encrypted (AES-256, passphrase "test"), to dir()/name.
  std::string write_encrypted_key(const std::string& name) const;
  // Writes `text` to dir()/name and returns its path (for files that are not PEM at all).
  std::string write_file(const std::string& name, const std::string& text) const;

 private:
  std::string dir_;
  std::string der_;
};

}  // namespace otpgate::test

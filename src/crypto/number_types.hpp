// The region and the type of a parsed number, decided as libphonenumber's GetRegionCodeForNumber
// and GetNumberType decide them, from the same compiled-in metadata, with the metadata's patterns
// matched by RE2 instead of libphonenumber's ICU regular expressions (the Debian build's engine;
// libphonenumber itself can be built on RE2, and its patterns are written for both). ICU's
// matching was most of a create's phone parsing (docs/benchmarks.md).
// tests/component/crypto/phone_parser_types_test.cpp holds the answers equal to libphonenumber's
// for every region's examples and variants of them.
#pragma once

#include <phonenumbers/phonemetadata.pb.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <string>
#include <vector>

namespace otpgate::crypto {

// libphonenumber's compiled-in metadata (every region and non-geographic entity), parsed once.
const i18n::phonenumbers::PhoneMetadataCollection& phone_metadata();

struct RegionAndType {
  std::string region;  // "ZZ" when no region's patterns claim the number, "001" non-geographic
  i18n::phonenumbers::PhoneNumberUtil::PhoneNumberType type;
};

// GetRegionCodeForNumber and GetNumberType in one call. Thread-safe; a region's patterns are
// compiled on the first number of that region.
RegionAndType region_and_type(const i18n::phonenumbers::PhoneNumber& number);

// The regions and entities ("DE 49", "001 800") with a pattern RE2 refused to compile, for the
// test that holds them empty: such a region is answered by libphonenumber itself.
std::vector<std::string> patterns_re2_refuses();

}  // namespace otpgate::crypto

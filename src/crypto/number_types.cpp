#include "number_types.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

// libphonenumber's compiled-in metadata, the bytes PhoneNumberUtil itself loads: exported by the
// library, declared in a header it does not install (metadata.h).
namespace i18n::phonenumbers {
int metadata_size();
const void* metadata_get();
}  // namespace i18n::phonenumbers

namespace otpgate::crypto {

using i18n::phonenumbers::PhoneMetadata;
using i18n::phonenumbers::PhoneNumberDesc;
using i18n::phonenumbers::PhoneNumberUtil;
using Type = PhoneNumberUtil::PhoneNumberType;

const i18n::phonenumbers::PhoneMetadataCollection& phone_metadata() {
  static const auto all = [] {
    i18n::phonenumbers::PhoneMetadataCollection out;
    // Unreadable, it stays empty: every number is then answered by libphonenumber itself.
    if (!out.ParseFromArray(i18n::phonenumbers::metadata_get(),
                            i18n::phonenumbers::metadata_size()))
      out.Clear();
    return out;
  }();
  return all;
}

namespace {

constexpr const char* kNonGeographic = "001";  // libphonenumber's RegionCode for those entities
constexpr const char* kUnknownRegion = "ZZ";

std::unique_ptr<re2::RE2> compile(const std::string& pattern) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  return std::make_unique<re2::RE2>(pattern, options);
}

// A number type's description: IsNumberMatchingDesc (its possible lengths, then its pattern
// matching the whole national significant number; an empty pattern matches nothing).
class Desc {
 public:
  Desc() = default;
  explicit Desc(const PhoneNumberDesc& d)
      : lengths_(d.possible_length().begin(), d.possible_length().end()) {
    if (!d.national_number_pattern().empty()) pattern_ = compile(d.national_number_pattern());
  }
  bool ok() const { return !pattern_ || pattern_->ok(); }
  bool matches(const std::string& nsn) const {
    if (!lengths_.empty() &&
        std::find(lengths_.begin(), lengths_.end(), static_cast<int>(nsn.size())) == lengths_.end())
      return false;
    return pattern_ && re2::RE2::FullMatch(nsn, *pattern_);
  }

 private:
  std::vector<int> lengths_;
  std::unique_ptr<re2::RE2> pattern_;
};

// GetNumberTypeHelper's order after the general description: the first that matches is the type.
using DescOf = const PhoneNumberDesc& (PhoneMetadata::*)() const;
struct Special {
  DescOf desc;
  Type type;
};
constexpr std::array<Special, 8> kSpecial = {
    {{&PhoneMetadata::premium_rate, Type::PREMIUM_RATE},
     {&PhoneMetadata::toll_free, Type::TOLL_FREE},
     {&PhoneMetadata::shared_cost, Type::SHARED_COST},
     {&PhoneMetadata::voip, Type::VOIP},
     {&PhoneMetadata::personal_number, Type::PERSONAL_NUMBER},
     {&PhoneMetadata::pager, Type::PAGER},
     {&PhoneMetadata::uan, Type::UAN},
     {&PhoneMetadata::voicemail, Type::VOICEMAIL}}};

// One region's (or non-geographic entity's) patterns, compiled.
class Patterns {
 public:
  explicit Patterns(const PhoneMetadata& m)
      : general_(m.general_desc()),
        fixed_line_(m.fixed_line()),
        mobile_(m.mobile()),
        same_mobile_and_fixed_line_(m.same_mobile_and_fixed_line_pattern()) {
    for (std::size_t i = 0; i < kSpecial.size(); ++i) special_[i] = Desc((m.*kSpecial[i].desc)());
    if (m.has_leading_digits()) leading_digits_ = compile(m.leading_digits());
  }

  bool ok() const {
    return general_.ok() && fixed_line_.ok() && mobile_.ok() &&
           std::all_of(special_.begin(), special_.end(), [](const Desc& d) { return d.ok(); }) &&
           (!leading_digits_ || leading_digits_->ok());
  }

  // GetNumberTypeHelper.
  Type type_of(const std::string& nsn) const {
    if (!general_.matches(nsn)) return Type::UNKNOWN;
    for (std::size_t i = 0; i < kSpecial.size(); ++i)
      if (special_[i].matches(nsn)) return kSpecial[i].type;
    if (fixed_line_.matches(nsn))
      return same_mobile_and_fixed_line_ || mobile_.matches(nsn) ? Type::FIXED_LINE_OR_MOBILE
                                                                 : Type::FIXED_LINE;
    if (!same_mobile_and_fixed_line_ && mobile_.matches(nsn)) return Type::MOBILE;
    return Type::UNKNOWN;
  }

  // One step of GetRegionCodeForNumberFromRegionList: a region with leading digits claims the
  // numbers that start with them (Consume), one without claims those of a known type.
  bool claims(const std::string& nsn) const {
    if (!leading_digits_) return type_of(nsn) != Type::UNKNOWN;
    re2::StringPiece rest(nsn);
    return re2::RE2::Consume(&rest, *leading_digits_);
  }

 private:
  Desc general_;
  std::array<Desc, kSpecial.size()> special_;
  Desc fixed_line_;
  Desc mobile_;
  std::unique_ptr<re2::RE2> leading_digits_;
  bool same_mobile_and_fixed_line_;
};

// Every region's and entity's patterns (compiled on first use), and the regions of every country
// calling code in libphonenumber's order (the main region first).
class Table {
 public:
  Table() {
    const auto& all = phone_metadata();
    for (const PhoneMetadata& m : all.metadata()) {
      const std::size_t i = entries_.size();
      entries_.push_back(std::make_unique<Entry>(m));
      if (m.id() == kNonGeographic)
        non_geographic_[m.country_code()] = i;
      else
        by_region_[m.id()] = i;
    }
    const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
    for (int code = 1; code < static_cast<int>(regions_.size()); ++code) {
      std::list<std::string> regions;
      util.GetRegionCodesForCountryCallingCode(code, &regions);
      regions_[code].assign(regions.begin(), regions.end());
    }
  }

  const std::vector<std::string>& regions_of(int code) const {
    static const std::vector<std::string> none;
    return code > 0 && code < static_cast<int>(regions_.size()) ? regions_[code] : none;
  }
  const Patterns* region(const std::string& id) const {
    const auto it = by_region_.find(id);
    return it == by_region_.end() ? nullptr : &entries_[it->second]->get();
  }
  const Patterns* non_geographic(int code) const {
    const auto it = non_geographic_.find(code);
    return it == non_geographic_.end() ? nullptr : &entries_[it->second]->get();
  }

 private:
  struct Entry {
    explicit Entry(const PhoneMetadata& m) : metadata(m) {}
    const Patterns& get() {
      std::call_once(once, [this] { patterns = std::make_unique<Patterns>(metadata); });
      return *patterns;
    }
    const PhoneMetadata& metadata;
    std::once_flag once;
    std::unique_ptr<Patterns> patterns;
  };
  std::vector<std::unique_ptr<Entry>> entries_;
  std::unordered_map<std::string, std::size_t> by_region_;
  std::unordered_map<int, std::size_t> non_geographic_;
  std::array<std::vector<std::string>, 1000> regions_;  // calling codes have 1 to 3 digits
};

const Table& table() {
  static const Table t;
  return t;
}

RegionAndType ask_libphonenumber(const i18n::phonenumbers::PhoneNumber& number) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  RegionAndType out{{}, util.GetNumberType(number)};
  util.GetRegionCodeForNumber(number, &out.region);
  return out;
}

}  // namespace

RegionAndType region_and_type(const i18n::phonenumbers::PhoneNumber& number) {
  const Table& t = table();
  std::string nsn;
  PhoneNumberUtil::GetInstance()->GetNationalSignificantNumber(number, &nsn);
  // GetRegionCodeForNumber: a calling code's only region, else the first that claims the number.
  const auto& regions = t.regions_of(number.country_code());
  RegionAndType out{kUnknownRegion, Type::UNKNOWN};
  if (regions.size() == 1) {
    out.region = regions.front();
  } else {
    for (const std::string& r : regions) {
      const Patterns* p = t.region(r);
      if (!p || !p->ok()) return ask_libphonenumber(number);
      if (p->claims(nsn)) {
        out.region = r;
        break;
      }
    }
  }
  // GetNumberType: the type by the region's metadata (the entity's, for a non-geographic code).
  const Patterns* p =
      out.region == kNonGeographic ? t.non_geographic(number.country_code()) : t.region(out.region);
  if (!p) return out;
  if (!p->ok()) return ask_libphonenumber(number);
  out.type = p->type_of(nsn);
  return out;
}

std::vector<std::string> patterns_re2_refuses() {
  std::vector<std::string> out;
  for (const PhoneMetadata& m : phone_metadata().metadata())
    if (!Patterns(m).ok()) out.push_back(m.id() + " " + std::to_string(m.country_code()));
  return out;
}

}  // namespace otpgate::crypto

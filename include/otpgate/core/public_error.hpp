// The one table mapping errors to the HTTP status and public code callers see (docs/api.md,
// "Errors"). The HTTP edge builds its error bodies from it; the audit log names outcomes by it.
#pragma once

#include "otpgate/core/errc.hpp"

#include <string_view>

namespace otpgate {

struct PublicError {
  unsigned status;
  std::string_view code;
  std::string_view message;
};

PublicError public_error(errc e);

}  // namespace otpgate

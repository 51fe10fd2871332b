// Private to src/metrics: the process's own figures, read from /proc/self at each scrape.
#pragma once

#include "otpgate/metrics/registry.hpp"

#include <vector>

namespace otpgate::metrics {

// Registers otpgate_process_* gauges (resident memory, open and max fds, threads, start time);
// each reads /proc when rendered. A figure that cannot be read is left out of that scrape.
std::vector<Registration> register_process_figures(Registry& r);

}  // namespace otpgate::metrics

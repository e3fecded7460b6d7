#include "common/cpu_budget.h"

#include <algorithm>
#include <charconv>

namespace mdns {

size_t usableCpus(size_t affinityCpus, const std::vector<std::string>& cpuMax) {
  size_t cpus = std::max<size_t>(affinityCpus, 1);
  for (const auto& text : cpuMax) {
    const auto space = text.find(' ');
    if (space == std::string::npos || text.compare(0, space, "max") == 0) continue;
    uint64_t quota = 0;
    uint64_t period = 0;
    const char* end = text.data() + text.size();
    const auto q = std::from_chars(text.data(), text.data() + space, quota);
    const auto p = std::from_chars(text.data() + space + 1, end, period);
    if (q.ec != std::errc() || p.ec != std::errc() || period == 0) continue;
    cpus = std::min<size_t>(cpus, std::max<uint64_t>(1, (quota + period - 1) / period));
  }
  return cpus;
}

std::optional<std::string> cgroupV2Path(std::string_view text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = text.substr(start, nl - start);
    if (line.starts_with("0::")) return std::string(line.substr(3));
    start = nl + 1;
  }
  return std::nullopt;
}

}  // namespace mdns

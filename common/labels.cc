#include "common/labels.h"

#include <algorithm>

namespace mdns {
namespace {

std::string_view trimLeft(std::string_view s, std::string_view cutset) {
  const auto pos = s.find_first_not_of(cutset);
  return pos == std::string_view::npos ? std::string_view{} : s.substr(pos);
}

std::string_view trimRight(std::string_view s, std::string_view cutset) {
  const auto pos = s.find_last_not_of(cutset);
  return pos == std::string_view::npos ? std::string_view{} : s.substr(0, pos + 1);
}

}  // namespace

std::string sanitizeLabel(std::string_view name, LabelRule rule) {
  const size_t maxLen = rule == LabelRule::kRfc952 ? 24 : 63;
  const std::string_view left = rule == LabelRule::kRfc952 ? "-0123456789" : "-";
  constexpr std::string_view right = "-";

  std::string mapped;
  mapped.reserve(name.size());
  for (const char c : name) {
    if (c >= 'A' && c <= 'Z') {
      mapped.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      mapped.push_back(c);
    } else if (c == '-' || c == '.' || c == '_') {
      mapped.push_back('-');
    }
  }
  // Cut at maxLen; when the cut leaves a trailing '-', refill from what follows the cut (the
  // dashes after it skipped) so that the label keeps as much of the name as fits.
  const std::string_view trimmed = trimLeft(mapped, left);
  const size_t size = std::min(trimmed.size(), maxLen);
  std::string head(trimRight(trimmed.substr(0, size), right));
  if (head.size() == size) return head;
  const std::string_view tail = trimLeft(trimmed.substr(size), right);
  // The refill may end in '-'; mesos-dns keeps it, and so do we, so that names match its own.
  head.append(tail.substr(0, std::min(tail.size(), size - head.size())));
  return head;
}

std::string sanitizeDomainFragment(std::string_view name, LabelRule rule) {
  std::string out;
  size_t start = 0;
  while (start <= name.size()) {
    auto dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    const std::string label = sanitizeLabel(name.substr(start, dot - start), rule);
    if (!label.empty()) {
      if (!out.empty()) out.push_back('.');
      out += label;
    }
    start = dot + 1;
  }
  return out;
}

}  // namespace mdns

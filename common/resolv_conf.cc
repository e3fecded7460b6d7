#include "common/resolv_conf.h"

#include <algorithm>

namespace mdns {
namespace {

std::vector<std::string_view> splitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// The words of a line before any comment.
std::vector<std::string_view> words(std::string_view line) {
  if (const auto comment = line.find_first_of("#;"); comment != std::string_view::npos) {
    line = line.substr(0, comment);
  }
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && isSpace(line[i])) ++i;
    size_t j = i;
    while (j < line.size() && !isSpace(line[j])) ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

// The address of a nameserver line, if it is one (an IPv6 zone is ignored).
std::optional<IpAddress> nameserverOf(std::string_view line) {
  const auto w = words(line);
  if (w.size() < 2 || w[0] != "nameserver") return std::nullopt;
  std::string_view address = w[1];
  if (const auto zone = address.find('%'); zone != std::string_view::npos) address = address.substr(0, zone);
  return IpAddress::parse(address);
}

bool isAgentLine(std::string_view line, const ResolvConfLines& lines) {
  if (line == kResolvConfMarker) return true;
  const auto ip = nameserverOf(line);
  if (!ip) return false;
  auto has = [&ip](const std::vector<IpAddress>& list) {
    return std::find(list.begin(), list.end(), *ip) != list.end();
  };
  return has(lines.agent) || has(lines.fallback);
}

}  // namespace

bool hasAgentMarker(std::string_view text) {
  const auto lines = splitLines(text);
  return std::find(lines.begin(), lines.end(), kResolvConfMarker) != lines.end();
}

std::string stripAgent(std::string_view text, const ResolvConfLines& lines) {
  std::string out;
  for (const auto line : splitLines(text)) {
    if (isAgentLine(line, lines)) continue;
    out.append(line);
    out.push_back('\n');
  }
  return out;
}

AppliedResolvConf applyAgent(std::string_view original, const ResolvConfLines& lines) {
  AppliedResolvConf result;
  std::string ours = std::string(kResolvConfMarker) + "\n";
  for (const auto* list : {&lines.agent, &lines.fallback}) {
    for (const auto& ip : *list) ours += "nameserver " + ip.toString() + "\n";
  }
  const size_t ourCount = lines.agent.size() + lines.fallback.size();
  bool placed = false;
  size_t nameservers = ourCount;
  for (const auto line : splitLines(original)) {
    if (isAgentLine(line, lines)) continue;
    const auto w = words(line);
    if (!w.empty() && w[0] == "nameserver") {
      if (!placed) {
        result.text += ours;
        placed = true;
      }
      if (++nameservers > 3) {
        result.notes.push_back("nameserver " + std::string(w.size() > 1 ? w[1] : "") + " is now nameserver number " +
                               std::to_string(nameservers) + ": glibc reads only the first three");
      }
    }
    if (!w.empty() && w[0] == "options" && std::find(w.begin(), w.end(), "rotate") != w.end()) {
      // rotate would spread queries over every nameserver: the agent would be one of several.
      std::string kept = "options";
      for (size_t i = 1; i < w.size(); ++i) {
        if (w[i] != "rotate") kept += " " + std::string(w[i]);
      }
      result.notes.push_back("\"options rotate\" taken out while the agent manages the file");
      if (kept != "options") {
        result.text += kept;
        result.text.push_back('\n');
      }
      continue;
    }
    result.text.append(line);
    result.text.push_back('\n');
  }
  if (!placed) result.text += ours;
  return result;
}

}  // namespace mdns

#include "common/resolv_conf.h"

#include <algorithm>

#include "common/upstream.h"

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

OwnerChoice chooseOwner(const std::string& mode, const std::string& path, const ResolvConfView& view) {
  if (mode == "resolved") return {ResolverOwner::kResolved, "resolvConf.mode is \"resolved\""};
  if (mode == "file") return {ResolverOwner::kFile, "resolvConf.mode is \"file\""};
  if (mode == "resolvconf") return {ResolverOwner::kResolvconf, "resolvConf.mode is \"resolvconf\""};
  if (mode == "networkmanager") {
    return {ResolverOwner::kNetworkManager, "resolvConf.mode is \"networkmanager\""};
  }
  // A link into resolved's folder (stub-resolv.conf, or resolv.conf in its "uplink" form) even
  // when it dangles: resolved is not up yet and reads the drop-in when it starts.
  if (view.linkTarget.find("/run/systemd/resolve/") != std::string::npos ||
      view.linkTarget.find("run/systemd/resolve/") == 0) {
    return {ResolverOwner::kResolved, path + " is a link to systemd-resolved's " + view.linkTarget};
  }
  // Debian's resolvconf links it to /run/resolvconf/resolv.conf (/etc/resolvconf/run/ before);
  // openresolv writes the file itself, with its header.
  if (view.linkTarget.find("resolvconf/") != std::string::npos) {
    return {ResolverOwner::kResolvconf, path + " is a link to resolvconf's " + view.linkTarget};
  }
  if (view.text.rfind("# Generated by resolvconf", 0) == 0) {
    return {ResolverOwner::kResolvconf, path + " is written by resolvconf"};
  }
  // NetworkManager writing the file itself (rc-manager file, or auto on a regular file). A link to
  // its /run/NetworkManager/resolv.conf is left to file mode (the agent writes through the link
  // and puts itself back after NetworkManager's rewrites).
  if (view.linkTarget.empty() && view.text.rfind("# Generated by NetworkManager", 0) == 0) {
    return {ResolverOwner::kNetworkManager, path + " is written by NetworkManager"};
  }
  const auto servers = resolvConfNameservers(view.text);
  if (!servers.empty() &&
      std::all_of(servers.begin(), servers.end(), [](const IpAddress& ip) { return ip.toString() == "127.0.0.53"; })) {
    return {ResolverOwner::kResolved, path + " names systemd-resolved's stub 127.0.0.53"};
  }
  return {ResolverOwner::kFile,
          view.linkTarget.empty() ? path + " is a plain file" : path + " is a link to " + view.linkTarget};
}

std::string resolvedDropIn(const std::string& domain, int port, const ResolvConfLines& lines) {
  std::string servers;
  for (const auto& ip : lines.agent) {
    const std::string text = ip.isV4() ? ip.toString() : "[" + ip.toString() + "]";
    servers += (servers.empty() ? "" : " ") + text + (port == 53 ? "" : ":" + std::to_string(port));
  }
  return "# Written by mesos-dns-agent while it serves " + domain +
         "; removed when it stops (mesos-dns-agent resolvconf show).\n"
         "[Resolve]\n"
         "DNS=" +
         servers +
         "\n"
         "Domains=~" +
         domain + "\n";
}

std::vector<std::string> resolvedGlobalDns(std::string_view confText, std::vector<std::string> servers) {
  bool inResolve = false;
  for (auto line : splitLines(confText)) {
    while (!line.empty() && isSpace(line.front())) line.remove_prefix(1);
    while (!line.empty() && isSpace(line.back())) line.remove_suffix(1);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      inResolve = line == "[Resolve]";
      continue;
    }
    if (!inResolve || line.rfind("DNS", 0) != 0) continue;
    auto rest = line.substr(3);
    while (!rest.empty() && isSpace(rest.front())) rest.remove_prefix(1);
    if (rest.empty() || rest.front() != '=') continue;  // DNSSEC=, DNSOverTLS=, DNSStubListener=...
    rest.remove_prefix(1);
    size_t start = 0;
    bool any = false;
    while (start < rest.size()) {
      while (start < rest.size() && isSpace(rest[start])) ++start;
      size_t end = start;
      while (end < rest.size() && !isSpace(rest[end])) ++end;
      if (end > start) {
        servers.emplace_back(rest.substr(start, end - start));
        any = true;
      }
      start = end;
    }
    if (!any) servers.clear();
  }
  return servers;
}

std::string resolvconfRecord(const ResolvConfLines& lines) {
  std::string out;
  for (const auto& ip : lines.agent) out += "nameserver " + ip.toString() + "\n";
  return out;
}

bool startsAgain(const std::optional<std::string>& job, const std::string& serviceResult) {
  if (!job) return false;
  if (*job == "restart" || *job == "try-restart" || *job == "reload-or-start") return true;
  if (!job->empty()) return false;  // stop, or anything else that does not start it
  return !serviceResult.empty() && serviceResult != "success";
}

}  // namespace mdns

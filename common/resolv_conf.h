// /etc/resolv.conf as text: putting the agent first and taking it out again. Pure functions; the
// agent's resolv.conf manager does the files, the watching and the timing.
//
// The managed file is the original with, right before its first `nameserver` line (at the end when
// it has none), a marker comment and the agent's nameserver lines (its listener addresses, then the
// configured fallbacks). `options rotate` is taken out while the agent manages the file. Every
// other line stays as it was. Lines are recognised as the agent's by content (the marker, and
// nameserver lines with one of the agent's or fallback addresses), not by trailing comments, which
// some readers of resolv.conf (Docker) do not accept on nameserver lines.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_address.h"

namespace mdns {

inline constexpr std::string_view kResolvConfMarker =
    "# mesos-dns-agent: the nameserver lines below up to the original ones are the agent's; "
    "it restores this file when it stops";

struct ResolvConfLines {
  std::vector<IpAddress> agent;     // the agent's listener addresses, first
  std::vector<IpAddress> fallback;  // resolvConf.fallback, right after
};

struct AppliedResolvConf {
  std::string text;
  std::vector<std::string> notes;  // what an operator should know: rotate removed, nameservers past the third
};

// The managed file for `original` (which may itself hold agent lines, e.g. after a crash: they are
// taken out first, so applying twice gives the same text).
AppliedResolvConf applyAgent(std::string_view original, const ResolvConfLines& lines);

// `text` without the agent's lines: the marker and nameserver lines with the agent's or fallback
// addresses. `options rotate` is not put back (only the kept original knows it was there).
std::string stripAgent(std::string_view text, const ResolvConfLines& lines);

// Whether `text` holds the agent's marker line.
bool hasAgentMarker(std::string_view text);

// Who owns the node's resolver setup (resolvConf.mode).
enum class ResolverOwner { kFile, kResolved, kResolvconf, kNetworkManager };

struct OwnerChoice {
  ResolverOwner owner = ResolverOwner::kFile;
  std::string why;  // for the log: what was seen
};

// What the node's resolv.conf shows about its owner, for chooseOwner (read from the file system by the agent).
struct ResolvConfView {
  std::string linkTarget;  // readlink of the path when it is a symlink (may dangle), else ""
  std::string text;        // the file's content ("" when missing or a dangling link)
};
// The mode from the config, or under "auto" from what resolv.conf shows.
OwnerChoice chooseOwner(const std::string& mode, const std::string& path, const ResolvConfView& view);
// The record the agent registers with resolvconf (`resolvconf -a lo.mesos-dns-agent`): its
// listener addresses as nameserver lines.
std::string resolvconfRecord(const ResolvConfLines& lines);
// The systemd-resolved drop-in that routes `domain` to the agent's listener addresses.
std::string resolvedDropIn(const std::string& domain, int port, const ResolvConfLines& lines);

// The global DNS= servers a resolved.conf text sets, starting from `servers` (later lines add,
// an empty "DNS=" clears, as systemd reads the file and then its drop-ins in order).
std::vector<std::string> resolvedGlobalDns(std::string_view confText, std::vector<std::string> servers);

// Whether a stop of the agent's unit is followed by a start, so that what routes names to the agent
// may stay: a restart job (`job`, the type of systemd's job for the unit: "restart" for `systemctl
// restart` or a package upgrade), or no job at all after a failure (`serviceResult`, systemd's
// $SERVICE_RESULT in ExecStopPost, is not "success": Restart= brings the agent back). A stop job,
// or no unit (std::nullopt), gives false.
bool startsAgain(const std::optional<std::string>& job, const std::string& serviceResult);

}  // namespace mdns

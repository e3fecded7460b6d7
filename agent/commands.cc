#include "agent/commands.h"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "agent/libevent.h"
#include "agent/log.h"
#include "agent/resolv_conf_manager.h"
#include "agent/source_setup.h"
#include "common/agent_settings.h"
#include "common/dns_wire.h"
#include "common/forward_cache.h"
#include "common/zone_file.h"

namespace mdns {
namespace {

// Whether something answers DNS on the agent's listener (any reply to an SOA query for the domain).
bool agentAnswers(const Config& config) {
  const auto lines = resolvConfLines(config);
  const Upstream self{lines.agent.front(), static_cast<uint16_t>(config.port)};
  sockaddr_storage ss{};
  const socklen_t len = self.toSockaddr(ss);
  const int fd = ::socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const timeval wait{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  const std::string apex = *dns::toWireName(config.domain);
  const UpstreamQuery q{0x5A5A, apex, dns::kTypeSOA, dns::kClassIN, false, false, 0};
  uint8_t query[512];
  uint8_t reply[4096];
  const size_t n = buildUpstreamQuery(q, query);
  bool answered = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0 && ::send(fd, query, n, 0) == static_cast<ssize_t>(n)) {
    const ssize_t got = ::recv(fd, reply, sizeof reply, 0);
    answered = got > 0 && checkUpstreamReply(reply, static_cast<size_t>(got), q) == ReplyCheck::kMatch;
  }
  ::close(fd);
  return answered;
}

}  // namespace

int dumpZone(const Config& config) {
  auto setup = prepareSource(config);
  if (!setup) {
    log::error(setup.error());
    return 1;
  }
  setup->keepRecords = true;
  const auto snap = RecordSource::loadOnce(*setup);
  if (!snap) {
    log::error("dump-zone: " + snap.error());
    return 1;
  }
  writeZoneFile(*(*snap)->records, (*snap)->table->zone(),
                [](std::string_view piece) { std::fwrite(piece.data(), 1, piece.size(), stdout); });
  return 0;
}

int resolvConfCommand(const Config& config, const std::string& action) {
  const ResolvConfLines lines = resolvConfLines(config);
  if (action == "show") {
    std::fputs(ResolvConfManager::show(config, lines).c_str(), stdout);
    return 0;
  }
  if (action == "restore") {
    const auto restored = ResolvConfManager::restoreAfterCrash(config, lines);
    (restored ? log::info(*restored) : log::error(restored.error()));
    return restored ? 0 : 1;
  }
  // apply: only when the agent answers, never a resolv.conf pointing at nothing.
  if (!agentAnswers(config)) {
    log::error("resolvconf apply: nothing answers DNS on " + lines.agent.front().toString() + ":" +
               std::to_string(config.port) + "; resolv.conf left as it is");
    return 1;
  }
  EventBasePtr base(event_base_new());
  ResolvConfManager manager(base.get(), config, lines, nullptr);
  Status done = manager.prepare();
  if (done) done = manager.apply();
  if (!done) {
    log::error("resolvconf apply: " + done.error());
    return 1;
  }
  return 0;
}

int reloadCommand(const std::string& pidText) {
  char* end = nullptr;
  const long pid = std::strtol(pidText.c_str(), &end, 10);
  if (end == pidText.c_str() || *end != '\0' || pid <= 1) {
    log::error("reload: \"" + pidText + "\" is not the agent's process id");
    return 2;
  }
  if (::kill(static_cast<pid_t>(pid), SIGHUP) != 0) {
    log::error("reload: cannot signal process " + pidText + ": " + std::strerror(errno));
    return 1;
  }
  return 0;
}

}  // namespace mdns

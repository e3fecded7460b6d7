#include "agent/systemd_sockets.h"

#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "agent/dns_server.h"
#include "agent/local_address.h"
#include "agent/log.h"

namespace mdns {

std::vector<InheritedSocket> takeInheritedSockets() {
  std::vector<InheritedSocket> out;
  const int n = sd_listen_fds(1);
  for (int i = 0; i < std::max(n, 0); ++i) {
    const int fd = SD_LISTEN_FDS_START + i;
    int type = 0;
    socklen_t typeLength = sizeof type;
    const auto address = localAddress(fd);
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &typeLength) != 0 || !address) {
      log::warning("systemd passed descriptor " + std::to_string(fd) + ", which is no IP socket; closed");
      ::close(fd);
      continue;
    }
    out.push_back({fd, type == SOCK_DGRAM, *address});
  }
  return out;
}

void storeSockets(const std::vector<std::unique_ptr<DnsServer>>& servers) {
  if (std::getenv("NOTIFY_SOCKET") == nullptr) return;
  std::vector<int> fds;
  for (const auto& server : servers) {
    for (int fd : server->udpSockets()) fds.push_back(fd);
    for (int fd : server->tcpSockets()) fds.push_back(fd);
  }
  sd_notify(0, "FDSTOREREMOVE=1\nFDNAME=dns");
  if (!fds.empty() &&
      sd_pid_notify_with_fds(0, 0, "FDSTORE=1\nFDNAME=dns", fds.data(), static_cast<unsigned>(fds.size())) <= 0) {
    log::debug("could not hand the sockets to systemd's file descriptor store");
  }
}

}  // namespace mdns

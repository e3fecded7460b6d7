// The DNS sockets and systemd: the ones it passes at start (socket activation, or the file
// descriptor store of the agent's previous run), and the ones the agent leaves in its store so that
// a restarted agent gets them back and queries wait in them meanwhile.
#pragma once

#include <memory>
#include <vector>

#include "common/socket_address.h"

namespace mdns {

class DnsServer;

struct InheritedSocket {
  int fd = -1;  // -1 once taken
  bool udp = false;
  SocketAddress address;
};

// The sockets systemd passed (LISTEN_FDS), each with its address and type; anything that is no
// IP socket is closed. The environment variables are unset, so children do not see them.
std::vector<InheritedSocket> takeInheritedSockets();

// Replaces what the store holds with the servers' listening sockets (FileDescriptorStoreMax= in
// the unit). Nothing without NOTIFY_SOCKET.
void storeSockets(const std::vector<std::unique_ptr<DnsServer>>& servers);

}  // namespace mdns

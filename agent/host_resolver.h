// Host name -> addresses through the system resolver (getaddrinfo). Blocking: call it only off
// the DNS event loop (the record source thread).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/ip_address.h"
#include "common/result.h"
#include "common/socket_address.h"

namespace mdns {

std::vector<IpAddress> resolveHostBlocking(const std::string& host);

// The config's masters as "ip:port": host names looked up (blocking; an IPv4 address wins); an
// unknown host is an error that names it.
Result<std::vector<std::string>> resolveMasters(const Config& config);
// The config's primaries (DNS servers) as addresses, the same way.
Result<std::vector<SocketAddress>> resolvePrimaries(const Config& config);

}  // namespace mdns

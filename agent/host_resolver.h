// Host name -> addresses through the system resolver (getaddrinfo). Blocking: call it only off
// the DNS event loop (the record source thread).
#pragma once

#include <string>
#include <vector>

#include "common/ip_address.h"

namespace mdns {

std::vector<IpAddress> resolveHostBlocking(const std::string& host);

}  // namespace mdns

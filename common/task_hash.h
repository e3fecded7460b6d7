// The short task-ID hash in mesos-dns's canonical task names (`web-<hash>-<slave>.marathon.mesos`):
// SHA-1 of the task ID, z-base-32 encoded, first five characters.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/sha1.h"

namespace mdns {

std::string zbase32(const uint8_t* data, size_t size);
std::string taskIdHash(std::string_view taskId);

}  // namespace mdns

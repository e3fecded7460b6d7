// What a refresh of the master's state would make records from, in 128 bits: the digest of the
// state's values that MesosState holds (summarizeMesosState) and the generator's options. Two
// equal fingerprints mean the same records, so a poll whose state differs only in fields DNS does
// not use (offers, resources, counters) skips building, generating and rendering. Host names the
// generator had to look up are not in it: the caller checks those again (see RecordSource).
#pragma once

#include <array>
#include <cstdint>

#include "common/record_generator.h"

namespace mdns {

using StateFingerprint = std::array<uint64_t, 2>;

StateFingerprint fingerprintOf(const std::array<uint64_t, 2>& stateDigest, const GeneratorOptions& options);

}  // namespace mdns

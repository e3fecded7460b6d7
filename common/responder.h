// The per-query path for the Mesos domain: parse the question, find the precomputed answer, copy
// it behind the asker's header and question, fit it to the transport. No allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/answer_table.h"

namespace mdns {

enum class Transport { kUdp, kTcp };

struct ResponderOptions {
  std::string apexWire;  // the domain in wire form, lower case; decides which names are ours
  bool recurseOn = true;
  bool setTruncateBit = true;
};

// Writes the reply to the query in `packet` into `out` and returns its length; 0 means send
// nothing. `out` holds at least 65535 bytes for TCP, dns::kMaxUdpReply for UDP. `table` is null until the first record
// set exists: names in the domain then get SERVFAIL, so that stub resolvers try their next server. `rotation` picks
// which answer comes first (round-robin over the RRset, as mesos-dns shuffles).
size_t respond(const uint8_t* packet, size_t length, Transport transport, const AnswerTable* table,
               const ResponderOptions& options, uint32_t rotation, uint8_t* out);

}  // namespace mdns

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
  bool forwardOutside = false;                   // names outside the domain are for the forwarder (else REFUSED)
  size_t maxUdpSize = dns::kDefaultMaxUdpReply;  // the largest UDP reply, 512 to dns::kMaxUdpReply
  // Nonzero: the records are older than maxStaleSeconds by this many seconds' age: answers from
  // them carry Extended DNS Error 3 (Stale Answer) with the age.
  int64_t staleAgeSeconds = 0;
};

struct Outcome {
  size_t length = 0;     // the reply written to `out`; 0: nothing to send now
  bool forward = false;  // a well-formed query for a name outside the domain: `query` describes it
  dns::Query query;
};

// The largest reply this client takes over `transport`: 64 KiB over TCP; over UDP its EDNS buffer
// size (at least 512, at most `maxUdpSize`), 512 without EDNS.
size_t replySizeLimit(const dns::Query& q, Transport transport, size_t maxUdpSize);

// Writes the reply to the query in `packet` into `out` and returns its length; 0 means send
// nothing. `out` holds at least 65535 bytes for TCP, dns::kMaxUdpReply for UDP. `table` is null until the first record
// set exists: names in the domain then get SERVFAIL, so that stub resolvers try their next server. `rotation` picks
// which answer comes first (round-robin over the RRset, as mesos-dns shuffles).
size_t respond(const uint8_t* packet, size_t length, Transport transport, const AnswerTable* table,
               const ResponderOptions& options, uint32_t rotation, uint8_t* out);

// As respond(), but with options.forwardOutside a query for a name outside the domain is not
// answered: the outcome says to forward it.
Outcome respondOrForward(const uint8_t* packet, size_t length, Transport transport, const AnswerTable* table,
                         const ResponderOptions& options, uint32_t rotation, uint8_t* out);

// REFUSED for a client that may not ask (allowFrom), with Extended DNS Error 18 (Prohibited);
// malformed packets get what respond() gives them.
size_t refuse(const uint8_t* packet, size_t length, const ResponderOptions& options, uint8_t* out);

// A reply with `rcode`, the question echoed and no records (e.g. SERVFAIL when every upstream
// failed), and `ede` when the asker sent EDNS.
size_t writeErrorReply(const uint8_t* packet, const dns::Query& q, uint16_t rcode, bool recursionAvailable,
                       uint8_t* out, const dns::ExtendedError* ede = nullptr);

}  // namespace mdns

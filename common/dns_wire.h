// DNS wire format pieces the answer path needs: constants, query parsing (RFC 1035 section 4,
// EDNS0 per RFC 6891) and name conversion. Parsing never reads past the packet and rejects
// anything it cannot make sense of.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mdns::dns {

inline constexpr uint16_t kTypeA = 1;
inline constexpr uint16_t kTypeNS = 2;
inline constexpr uint16_t kTypeSOA = 6;
inline constexpr uint16_t kTypeAAAA = 28;
inline constexpr uint16_t kTypeSRV = 33;
inline constexpr uint16_t kTypeOPT = 41;
inline constexpr uint16_t kTypeANY = 255;
inline constexpr uint16_t kClassIN = 1;
inline constexpr uint16_t kClassANY = 255;

inline constexpr uint8_t kRcodeNoError = 0;
inline constexpr uint8_t kRcodeFormErr = 1;
inline constexpr uint8_t kRcodeServFail = 2;
inline constexpr uint8_t kRcodeNXDomain = 3;
inline constexpr uint8_t kRcodeNotImp = 4;
inline constexpr uint8_t kRcodeRefused = 5;
inline constexpr uint16_t kRcodeBadVers = 16;  // extended: upper 8 bits travel in the OPT record

inline constexpr size_t kHeaderSize = 12;
inline constexpr size_t kMaxUdpWithoutEdns = 512;
inline constexpr size_t kMaxMessage = 65535;
inline constexpr uint16_t kOurEdnsBufferSize = 1232;  // the DNS flag day 2020 value
// The largest UDP reply we send, whatever the asker offers (RFC 6891 6.2.5: the lesser of the
// requestor's size and the responder's own); bigger answers go over TCP.
inline constexpr size_t kMaxUdpReply = 4096;

inline uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void put32(uint8_t* p, uint32_t v) {
  put16(p, static_cast<uint16_t>(v >> 16));
  put16(p + 2, static_cast<uint16_t>(v));
}

inline constexpr size_t kOptSize = 11;
// Writes an OPT record (RFC 6891) with our buffer size `udpSize`, extended RCODE bits of
// `rcode` and the DO bit; returns kOptSize.
inline size_t writeOpt(uint8_t* p, uint16_t udpSize, uint16_t rcode, bool dnssecOk) {
  p[0] = 0;  // root owner
  put16(p + 1, kTypeOPT);
  put16(p + 3, udpSize);
  p[5] = static_cast<uint8_t>(rcode >> 4);  // extended RCODE, upper 8 bits
  p[6] = 0;                                 // version
  p[7] = dnssecOk ? 0x80 : 0;               // DO echoed (RFC 3225)
  p[8] = 0;
  put16(p + 9, 0);
  return kOptSize;
}

struct Query {
  uint16_t id = 0;
  uint16_t flags = 0;       // the asker's header flags
  size_t qnameOffset = 12;  // the question name as asked (letter case kept) starts here
  size_t qnameLength = 0;   // wire length including the root label
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  size_t questionEnd = 0;  // offset just past QCLASS
  bool hasEdns = false;
  uint16_t ednsUdpSize = 0;
  uint8_t ednsVersion = 0;
  bool dnssecOk = false;

  uint8_t opcode() const { return static_cast<uint8_t>((flags >> 11) & 0xF); }
  bool recursionDesired() const { return (flags & 0x0100) != 0; }
};

enum class ParseStatus {
  kOk,
  kDrop,                 // not a query we should answer at all (a response, shorter than a header)
  kFormErr,              // answer FORMERR; `query.id`/`flags` are valid, the question is not
  kFormErrWithQuestion,  // answer FORMERR with the question echoed
  kNotImp,               // an opcode other than QUERY; header valid
};

ParseStatus parseQuery(const uint8_t* packet, size_t length, Query& query);

// Wire form of a dotted name ("app.marathon.mesos." or without the final dot). Case is kept.
// std::nullopt when a label is empty or over 63 bytes, or the name over 255.
std::optional<std::string> toWireName(std::string_view dotted);

// Dotted text of an uncompressed wire name, with the trailing dot.
std::string wireNameToText(std::string_view wire);

// Copies an uncompressed wire name of `length` bytes, folding ASCII letters to lower case.
void lowercaseWireName(const uint8_t* in, size_t length, uint8_t* out);

}  // namespace mdns::dns

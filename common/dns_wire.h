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
inline constexpr uint16_t kTypePTR = 12;
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

// Extended DNS Errors (RFC 8914): the info-codes the agent gives, with why, to askers that sent EDNS.
inline constexpr uint16_t kOptionExtendedError = 15;
inline constexpr uint16_t kEdeStaleAnswer = 3;
inline constexpr uint16_t kEdeNotReady = 14;
inline constexpr uint16_t kEdeProhibited = 18;
inline constexpr uint16_t kEdeNoReachableAuthority = 22;
struct ExtendedError {
  uint16_t code = 0;
  std::string_view text;  // EXTRA-TEXT, UTF-8, for humans
  size_t optionSize() const { return 6 + text.size(); }
};

inline constexpr size_t kHeaderSize = 12;
inline constexpr size_t kMaxUdpWithoutEdns = 512;
inline constexpr size_t kMaxMessage = 65535;
inline constexpr uint16_t kOurEdnsBufferSize = 1232;  // the DNS flag day 2020 value
// The default largest UDP reply (maxUdpSize), whatever the asker offers (RFC 6891 6.2.5: the
// lesser of the requestor's size and the responder's own): 1232 bytes never fragment on a
// 1280-byte IPv6 path nor on a container overlay; bigger answers go over TCP.
inline constexpr size_t kDefaultMaxUdpReply = 1232;
// The most maxUdpSize may be, and so the size of UDP reply buffers.
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
// `rcode`, the DO bit, and an Extended DNS Error when `ede` is given; returns its size
// (kOptSize, plus ede->optionSize()).
inline size_t writeOpt(uint8_t* p, uint16_t udpSize, uint16_t rcode, bool dnssecOk,
                       const ExtendedError* ede = nullptr) {
  p[0] = 0;  // root owner
  put16(p + 1, kTypeOPT);
  put16(p + 3, udpSize);
  p[5] = static_cast<uint8_t>(rcode >> 4);  // extended RCODE, upper 8 bits
  p[6] = 0;                                 // version
  p[7] = dnssecOk ? 0x80 : 0;               // DO echoed (RFC 3225)
  p[8] = 0;
  if (ede == nullptr) {
    put16(p + 9, 0);
    return kOptSize;
  }
  put16(p + 9, static_cast<uint16_t>(ede->optionSize()));
  put16(p + 11, kOptionExtendedError);
  put16(p + 13, static_cast<uint16_t>(ede->text.size() + 2));
  put16(p + 15, ede->code);
  for (size_t i = 0; i < ede->text.size(); ++i) p[17 + i] = static_cast<uint8_t>(ede->text[i]);
  return kOptSize + ede->optionSize();
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

// Dotted text of an uncompressed wire name, with the trailing dot. Label bytes are kept as they
// are (a label may hold a space or UTF-8): for people and zone files, use presentationName().
std::string wireNameToText(std::string_view wire);

// A dotted name (labels cannot hold a dot) in RFC 1035 section 5.1 presentation form: bytes that
// are not printable ASCII, and space, as \DDD (decimal); the characters " ( ) ; @ $ \ behind a
// backslash. What zone files, logs and the cache file hold, so that any label byte survives.
std::string presentationName(std::string_view dotted);
// The reverse: the dotted name of a presentation form; std::nullopt for a bad escape (a lone
// backslash at the end, \DDD over 255, an escaped dot, which no name here has).
std::optional<std::string> parsePresentationName(std::string_view text);

// Copies an uncompressed wire name of `length` bytes, folding ASCII letters to lower case.
void lowercaseWireName(const uint8_t* in, size_t length, uint8_t* out);

}  // namespace mdns::dns

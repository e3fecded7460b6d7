#include "common/dns_wire.h"

namespace mdns::dns {

ParseStatus parseQuery(const uint8_t* p, size_t len, Query& q) {
  if (len < kHeaderSize) return ParseStatus::kDrop;
  q.id = get16(p);
  q.flags = get16(p + 2);
  if ((q.flags & 0x8000) != 0) return ParseStatus::kDrop;  // a response: never answer (no loops)
  if (q.opcode() != 0) return ParseStatus::kNotImp;
  const uint16_t qdcount = get16(p + 4);
  const uint16_t ancount = get16(p + 6);
  const uint16_t nscount = get16(p + 8);
  const uint16_t arcount = get16(p + 10);
  if (qdcount != 1) return ParseStatus::kFormErr;

  // The question name: plain labels only (a query has nothing earlier to point at).
  size_t pos = kHeaderSize;
  for (;;) {
    if (pos >= len) return ParseStatus::kFormErr;
    const uint8_t labelLen = p[pos];
    if (labelLen == 0) {
      ++pos;
      break;
    }
    if (labelLen > 63) return ParseStatus::kFormErr;  // compression pointer or reserved bits
    pos += 1 + labelLen;
    if (pos - kHeaderSize > 255) return ParseStatus::kFormErr;
  }
  q.qnameOffset = kHeaderSize;
  q.qnameLength = pos - kHeaderSize;
  if (q.qnameLength > 255 || pos + 4 > len) return ParseStatus::kFormErr;
  q.qtype = get16(p + pos);
  q.qclass = get16(p + pos + 2);
  pos += 4;
  q.questionEnd = pos;

  if (ancount != 0 || nscount != 0) return ParseStatus::kFormErrWithQuestion;
  // The additional section may hold one OPT record (RFC 6891), nothing else we accept.
  q.hasEdns = false;
  for (uint16_t i = 0; i < arcount; ++i) {
    // Owner must be the root for OPT; other records (TSIG, ...) are not supported here.
    if (pos + 11 > len || p[pos] != 0) return ParseStatus::kFormErrWithQuestion;
    const uint16_t type = get16(p + pos + 1);
    const uint16_t rdlen = get16(p + pos + 9);
    if (type != kTypeOPT || q.hasEdns || pos + 11 + rdlen > len) return ParseStatus::kFormErrWithQuestion;
    q.hasEdns = true;
    q.ednsUdpSize = get16(p + pos + 3);
    q.ednsVersion = p[pos + 6];
    q.dnssecOk = (p[pos + 7] & 0x80) != 0;
    pos += 11 + rdlen;
  }
  if (pos != len) return ParseStatus::kFormErrWithQuestion;  // trailing garbage
  return ParseStatus::kOk;
}

std::optional<std::string> toWireName(std::string_view dotted) {
  if (!dotted.empty() && dotted.back() == '.') dotted.remove_suffix(1);
  std::string wire;
  if (!dotted.empty()) {
    size_t start = 0;
    while (start <= dotted.size()) {
      auto dot = dotted.find('.', start);
      if (dot == std::string_view::npos) dot = dotted.size();
      const size_t n = dot - start;
      if (n == 0 || n > 63) return std::nullopt;
      wire.push_back(static_cast<char>(n));
      wire.append(dotted.substr(start, n));
      start = dot + 1;
    }
  }
  wire.push_back('\0');
  if (wire.size() > 255) return std::nullopt;
  return wire;
}

std::string wireNameToText(std::string_view wire) {
  std::string out;
  size_t pos = 0;
  while (pos < wire.size() && wire[pos] != 0) {
    const auto n = static_cast<uint8_t>(wire[pos]);
    out.append(wire.substr(pos + 1, n));
    out.push_back('.');
    pos += 1 + n;
  }
  return out.empty() ? "." : out;
}

std::string presentationName(std::string_view dotted) {
  std::string out;
  out.reserve(dotted.size());
  for (const char ch : dotted) {
    const auto c = static_cast<uint8_t>(ch);
    if (c <= 0x20 || c >= 0x7F) {
      out.push_back('\\');
      out.push_back(static_cast<char>('0' + c / 100));
      out.push_back(static_cast<char>('0' + c / 10 % 10));
      out.push_back(static_cast<char>('0' + c % 10));
    } else {
      if (c == '"' || c == '(' || c == ')' || c == ';' || c == '@' || c == '$' || c == '\\') out.push_back('\\');
      out.push_back(ch);
    }
  }
  return out;
}

std::optional<std::string> parsePresentationName(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out.push_back(text[i]);
      continue;
    }
    if (++i == text.size()) return std::nullopt;
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (digit(text[i])) {
      if (i + 2 >= text.size() || !digit(text[i + 1]) || !digit(text[i + 2])) return std::nullopt;
      const int value = (text[i] - '0') * 100 + (text[i + 1] - '0') * 10 + (text[i + 2] - '0');
      if (value > 255 || value == '.') return std::nullopt;
      out.push_back(static_cast<char>(value));
      i += 2;
    } else {
      if (text[i] == '.') return std::nullopt;
      out.push_back(text[i]);
    }
  }
  return out;
}

void lowercaseWireName(const uint8_t* in, size_t length, uint8_t* out) {
  // Length bytes are at most 63 and never in 'A'..'Z' (65..90), so folding every byte is safe.
  for (size_t i = 0; i < length; ++i) {
    const uint8_t c = in[i];
    out[i] = (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c + 32) : c;
  }
}

}  // namespace mdns::dns

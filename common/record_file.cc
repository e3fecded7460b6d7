#include "common/record_file.h"

#include <charconv>

#include "common/dns_wire.h"

namespace mdns {
namespace {

// Version 2 writes names in presentation form (\DDD for spaces and other bytes), so that any
// label byte survives; version 1 wrote them raw, which a space broke. Both are read.
constexpr std::string_view kMagic = "mesos-dns-agent records 2";
constexpr std::string_view kMagicRaw = "mesos-dns-agent records 1";

std::string hex(const std::array<uint8_t, 20>& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const uint8_t b : digest) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

template <typename T>
bool number(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// Splits off the next space-separated word.
std::string_view word(std::string_view& rest) {
  const auto space = rest.find(' ');
  const std::string_view w = rest.substr(0, space);
  rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  return w;
}

}  // namespace

void writeRecordFile(const RecordSet& records, const RecordFileMeta& meta,
                     const std::function<void(std::string_view)>& sink) {
  constexpr size_t kPiece = 64 * 1024;
  std::string out;
  out.reserve(kPiece + 4096);
  out += kMagic;
  out += "\nsaved " + std::to_string(meta.savedAt) + "\nchanged " + std::to_string(meta.changedAt) + "\n";
  if (meta.serial != 0) out += "serial " + std::to_string(meta.serial) + "\n";
  out += "origin " + meta.origin + "\ndigest " + hex(records.contentDigest()) + "\n";
  for (const auto& [name, recs] : records.names()) {
    if (out.size() >= kPiece) {
      sink(out);
      out.clear();
    }
    const std::string owner = dns::presentationName(name);
    auto line = [&out, &owner](std::string_view kind, std::string_view value, std::string_view value2 = {}) {
      out.append(kind).append(" ").append(owner).append(" ").append(value);
      if (!value2.empty()) out.append(" ").append(value2);
      out += '\n';
    };
    for (const auto& ip : recs.a) line("A", ip.toString());
    for (const auto& ip : recs.aaaa) line("AAAA", ip.toString());
    for (const auto& s : recs.srv) line("SRV", std::to_string(s.port), dns::presentationName(s.target));
  }
  for (const auto& p : records.reverse()) {
    out.append("PTR ").append(p.ip.toString()).append(" ").append(dns::presentationName(records.nameAt(p.name)));
    out += '\n';
  }
  out += "end\n";
  sink(out);
}

std::string serializeRecordFile(const RecordSet& records, const RecordFileMeta& meta) {
  std::string text;
  writeRecordFile(records, meta, [&text](std::string_view piece) { text += piece; });
  return text;
}

RecordFileParse parseRecordFile(std::string_view text) {
  RecordFileParse result;
  RecordSet records;
  std::string digest;
  bool ended = false;
  bool escaped = true;
  struct Pointer {
    IpAddress ip;
    std::string name;
    size_t line = 0;
  };
  std::vector<Pointer> pointers;  // resolved once the names are in
  size_t lineNo = 0;
  // A name as the file holds it: escaped (version 2) or raw (version 1); empty when malformed.
  auto nameOf = [&escaped](std::string_view field) -> std::string {
    if (!escaped) return std::string(field);
    return dns::parsePresentationName(field).value_or(std::string());
  };
  size_t start = 0;
  while (start < text.size()) {
    const size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      result.error = "line " + std::to_string(lineNo + 1) + ": cut off (no end of line): the file is truncated";
      return result;
    }
    std::string_view line = text.substr(start, nl - start);
    start = nl + 1;
    ++lineNo;
    auto fail = [&](const std::string& what) {
      result.error = "line " + std::to_string(lineNo) + ": " + what;
      return result;
    };
    if (ended) return fail("text after the end line");
    if (lineNo == 1) {
      if (line != kMagic && line != kMagicRaw) return fail("not a mesos-dns-agent record file (or another version)");
      escaped = line == kMagic;
      continue;
    }
    std::string_view rest = line;
    const std::string_view kind = word(rest);
    if (kind == "saved" || kind == "changed") {
      if (!number(rest, kind == "saved" ? result.meta.savedAt : result.meta.changedAt)) return fail("bad time");
    } else if (kind == "serial") {
      if (!number(rest, result.meta.serial)) return fail("bad serial");
    } else if (kind == "origin") {
      result.meta.origin = std::string(rest);
    } else if (kind == "digest") {
      digest = std::string(rest);
    } else if (kind == "A" || kind == "AAAA") {
      const std::string name = nameOf(word(rest));
      const auto ip = IpAddress::parse(rest);
      if (name.empty() || !ip || ip->isV4() != (kind == "A")) return fail("bad " + std::string(kind) + " record");
      records.addAddress(name, *ip);
    } else if (kind == "SRV") {
      const std::string name = nameOf(word(rest));
      uint16_t port = 0;
      if (name.empty() || !number(word(rest), port) || rest.empty()) return fail("bad SRV record");
      const std::string target = nameOf(rest);
      if (target.empty()) return fail("bad SRV record");
      records.addSrv(name, SrvTarget{target, port});
    } else if (kind == "PTR") {
      const auto ip = IpAddress::parse(word(rest));
      std::string name = nameOf(rest);
      if (!ip || name.empty()) return fail("bad PTR record");
      pointers.push_back({*ip, std::move(name), lineNo});
    } else if (kind == "end") {
      ended = true;
    } else {
      return fail("unknown line \"" + std::string(line.substr(0, 40)) + "\"");
    }
  }
  if (lineNo == 0) {
    result.error = "the file is empty";
    return result;
  }
  if (!ended) {
    result.error = "no end line: the file is truncated";
    return result;
  }
  records.finalize();
  ReversePointers reverse;
  for (const auto& p : pointers) {
    const auto ref = records.refOf(p.name);
    if (!ref) {
      result.error = "line " + std::to_string(p.line) + ": PTR record for a name without records";
      return result;
    }
    reverse.push_back({p.ip, *ref});
  }
  records.setReverse(std::move(reverse));
  if (hex(records.contentDigest()) != digest) {
    result.error = "the records do not match the digest in the file: it is corrupted";
    return result;
  }
  result.records = std::move(records);
  return result;
}

}  // namespace mdns

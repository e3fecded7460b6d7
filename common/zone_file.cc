#include "common/zone_file.h"

#include "common/dns_wire.h"

namespace mdns {

void writeZoneFile(const RecordSet& records, const ZoneOptions& zone,
                   const std::function<void(std::string_view)>& sink) {
  constexpr size_t kPiece = 64 * 1024;
  const std::string apex = dns::presentationName(zone.domain + ".");
  const std::string ttl = std::to_string(zone.ttl);
  std::string out;
  out.reserve(kPiece + 4096);
  out += "$ORIGIN " + apex + "\n$TTL " + ttl + "\n";
  out += apex + "\t" + ttl + "\tIN\tSOA\t" + dns::presentationName(zone.soaMname) + " " +
         dns::presentationName(zone.soaRname);
  for (const uint32_t v : {zone.soaSerial, zone.soaRefresh, zone.soaRetry, zone.soaExpire, zone.soaMinttl}) {
    out += " " + std::to_string(v);
  }
  out += "\n" + apex + "\t" + ttl + "\tIN\tNS\t" + dns::presentationName(zone.soaMname) + "\n";
  const std::string srvFixed = "\tIN\tSRV\t0 " + std::to_string(zone.srvWeight) + " ";
  for (const auto& [name, recs] : records.names()) {
    if (out.size() >= kPiece) {
      sink(out);
      out.clear();
    }
    const std::string owner = dns::presentationName(name) + "\t" + ttl;
    for (const auto& ip : recs.a) out.append(owner).append("\tIN\tA\t").append(ip.toString()).append("\n");
    for (const auto& ip : recs.aaaa) out.append(owner).append("\tIN\tAAAA\t").append(ip.toString()).append("\n");
    for (const auto& s : recs.srv) {
      out.append(owner).append(srvFixed).append(std::to_string(s.port)).append(" ");
      out.append(dns::presentationName(s.target)).append("\n");
    }
  }
  sink(out);
}

std::string zoneFileText(const RecordSet& records, const ZoneOptions& zone) {
  std::string text;
  writeZoneFile(records, zone, [&text](std::string_view piece) { text += piece; });
  return text;
}

}  // namespace mdns

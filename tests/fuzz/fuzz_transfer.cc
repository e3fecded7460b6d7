// libFuzzer target for what a secondary reads from a primary: the reply to its SOA check and the
// messages of a zone transfer (the input is a TCP stream: 2-byte length, message, ...), in any
// form. Whatever is accepted must apply to the zone it was asked from, or be refused with a reason.
// Must never crash or hang.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/transfer_reader.h"
#include "common/zone_diff.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // The first byte says which serial the asker holds (none: an AXFR) and the query ID is fixed.
  const std::optional<uint32_t> asker = (data[0] & 1) != 0 ? std::optional<uint32_t>(data[0]) : std::nullopt;
  (void)mdns::soaSerialOfReply(data + 1, size - 1, 0x1234, "mesos");
  mdns::TransferReader reader("mesos", 0x1234, asker);
  size_t pos = 1;
  while (pos + 2 <= size && !reader.done()) {
    const size_t length = (static_cast<size_t>(data[pos]) << 8) | data[pos + 1];
    pos += 2;
    if (pos + length > size) return 0;
    if (!reader.add(data + pos, length)) return 0;
    pos += length;
  }
  if (!reader.done()) return 0;
  mdns::RecordSet held;
  held.addAddress("web.marathon.mesos.", *mdns::IpAddress::parse("10.0.0.1"));
  held.finalize();
  if (reader.form() == mdns::TransferReader::Form::kWholeZone) {
    const mdns::RecordSet zone = reader.takeZone();
    (void)zone.contentDigest();
  } else if (reader.form() == mdns::TransferReader::Form::kDifferences) {
    for (const auto& d : reader.takeDiffs()) {
      auto next = mdns::applyDiff(held, d.removed, d.added);
      if (!next) break;
      held = std::move(*next);
    }
  }
  return 0;
}

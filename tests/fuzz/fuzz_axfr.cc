// libFuzzer target for a peer's /v1/axfr document (mesos-dns or another agent): any bytes are read,
// and whatever is accepted must render as an answer table and write back as an AXFR that reads to
// the same records. Must never crash or hang.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/answer_table.h"
#include "common/http_api.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto read = mdns::api::parseAxfr(std::string_view(reinterpret_cast<const char*>(data), size), "mesos");
  if (!read.records) return 0;
  mdns::ZoneOptions zone;
  auto table = mdns::AnswerTable::build(*read.records, zone);
  (void)table;
  const auto again = mdns::api::parseAxfr(mdns::api::axfr(*read.records, zone, 60), "mesos");
  if (!again.records || !(*again.records == *read.records)) std::abort();  // what we write, we read back
  return 0;
}

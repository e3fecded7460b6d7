// libFuzzer target for what comes from the network on the record side: any bytes as a master's
// state document (and as an event-stream record and RecordIO stream), parsed and turned into records and an answer
// table. Must never crash or hang.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/answer_table.h"
#include "common/mesos_events.h"
#include "common/mesos_state.h"
#include "common/record_generator.h"
#include "common/record_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parsed = mdns::parseMesosState(std::string_view(reinterpret_cast<const char*>(data), size));
  // The summary a refresh reads first refuses exactly the documents the parser refuses (the byte
  // an error names may differ: the two stop at different places of a broken document), and reads
  // the same leader.
  std::string text(reinterpret_cast<const char*>(data), size);
  const auto summary = mdns::summarizeMesosState(text);
  if (summary.error.empty() != parsed.error.empty()) abort();
  if (parsed.state && summary.leader != parsed.state->leader) abort();
  // The same bytes as an event-stream record, and as the stream itself.
  std::string record(reinterpret_cast<const char*>(data), size);
  (void)mdns::parseMesosEvent(record);
  mdns::RecordIoReader stream(1 << 16);
  stream.feed(std::string_view(reinterpret_cast<const char*>(data), size));
  while (auto r = stream.next()) (void)mdns::parseMesosEvent(*r);
  if (!parsed.state) return 0;
  mdns::GeneratorOptions options;
  options.masters = {"10.0.0.5:5050", "10.0.0.6:5050"};
  auto generated = mdns::generateRecords(*parsed.state, options, [](const std::string&) {
    return std::vector<mdns::IpAddress>{};  // no lookups while fuzzing
  });
  auto table = mdns::AnswerTable::build(generated.records, mdns::ZoneOptions{});
  (void)table;
  return 0;
}

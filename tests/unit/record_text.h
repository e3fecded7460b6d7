// A record set as text, one record a line, for comparing sets in tests with a readable failure.
#pragma once

#include <string>

#include "common/record_set.h"

namespace mdns::testing_records {

// "name A 10.0.0.1", "name SRV 31000 target.", and with `ptr` also "10.0.0.1 PTR name".
inline std::string text(const RecordSet& set, bool ptr = false) {
  std::string out;
  for (const auto& [name, records] : set.names()) {
    for (const auto& a : records.a) out += std::string(name) + " A " + a.toString() + "\n";
    for (const auto& a : records.aaaa) out += std::string(name) + " AAAA " + a.toString() + "\n";
    for (const auto& s : records.srv) {
      out += std::string(name) + " SRV " + std::to_string(s.port) + " " + std::string(s.target) + "\n";
    }
  }
  if (ptr) {
    for (const auto& p : set.reverse()) out += p.ip.toString() + " PTR " + std::string(set.nameAt(p.name)) + "\n";
  }
  return out;
}

}  // namespace mdns::testing_records

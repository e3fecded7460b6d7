// Shared by the wire-level tests: ldns packets as owned values and sections as sets of text.
#pragma once

#include <gtest/gtest.h>
#include <ldns/ldns.h>

#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace mdns::testing_ldns {

struct PktDeleter {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using Pkt = std::unique_ptr<ldns_pkt, PktDeleter>;

// One record in ldns's presentation format ("name\tttl\tIN\tA\t1.2.3.4"), without the newline.
inline std::string rrText(const ldns_rr* rr) {
  char* text = ldns_rr2str(rr);
  std::string s(text);
  std::free(text);
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

// Each record of a section in presentation format.
inline std::set<std::string> section(ldns_rr_list* list) {
  std::set<std::string> out;
  for (size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) out.insert(rrText(ldns_rr_list_rr(list, i)));
  return out;
}

// A packet's wire form (the test fails if ldns cannot write it).
inline std::vector<uint8_t> toWire(ldns_pkt* pkt) {
  uint8_t* wire = nullptr;
  size_t size = 0;
  EXPECT_EQ(ldns_pkt2wire(&wire, pkt, &size), LDNS_STATUS_OK);
  std::vector<uint8_t> out(wire, wire + size);
  std::free(wire);
  return out;
}

}  // namespace mdns::testing_ldns

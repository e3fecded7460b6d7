// Small readers over simdjson's On-Demand values, shared by the master-state reader
// (mesos_state.cc) and the event-stream reader (mesos_events.cc). A value of another type than
// the one asked for, or a string whose escapes are broken, reads as nothing: such a field is left
// out, the document is not refused for it.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

namespace mdns::ondemand {

namespace od = simdjson::ondemand;

inline bool isObject(od::value& v) { return v.type() == od::json_type::object; }
inline bool isArray(od::value& v) { return v.type() == od::json_type::array; }

inline std::optional<std::string_view> stringOf(od::value& v) {
  std::string_view s;
  if (v.type() != od::json_type::string || v.get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
  return s;
}

inline void text(od::value& v, std::string& out) {
  if (const auto s = stringOf(v)) out = *s;
}

inline void number(od::value& v, double& out) {
  double d = 0;
  if (v.type() == od::json_type::number && v.get_double().get(d) == simdjson::SUCCESS) out = d;
}

}  // namespace mdns::ondemand

// DNS label rules of mesos-dns: names from Mesos (task, framework, host names) become valid
// RFC 1123 (default) or RFC 952 (EnforceRFC952) labels.
#pragma once

#include <string>
#include <string_view>

namespace mdns {

enum class LabelRule { kRfc1123, kRfc952 };

// One label: lower-cased, '.', '_' and '-' become '-', other characters dropped, cut to 63
// (RFC 1123) or 24 (RFC 952) characters, no leading or trailing '-' (RFC 952: no leading digit).
std::string sanitizeLabel(std::string_view name, LabelRule rule);

// A dotted name made of sanitized labels; parts that sanitize to nothing are left out.
std::string sanitizeDomainFragment(std::string_view name, LabelRule rule);

}  // namespace mdns

#include "common/state_fingerprint.h"

#include "common/hash128.h"

namespace mdns {

StateFingerprint fingerprintOf(const std::array<uint64_t, 2>& stateDigest, const GeneratorOptions& options) {
  Hash128 h;
  h.addU64(stateDigest[0]);
  h.addU64(stateDigest[1]);
  h.add(options.domain);
  h.add(options.nameServer);
  h.addU64(options.nameServerAddresses.size());
  for (const auto& ip : options.nameServerAddresses) {
    h.add(std::string_view(reinterpret_cast<const char*>(ip.data()), ip.size()));
  }
  h.addU64(options.masters.size());
  for (const auto& m : options.masters) h.add(m);
  h.addU64(options.ipSources.size());
  for (const auto& s : options.ipSources) h.add(s);
  h.addU64(static_cast<uint64_t>(options.labelRule));
  h.addU64(options.enumerate ? 1 : 0);
  h.addU64(options.healthyOnly ? 1 : 0);
  return h.digest();
}

}  // namespace mdns

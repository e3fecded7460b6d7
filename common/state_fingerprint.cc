#include "common/state_fingerprint.h"

namespace mdns {
namespace {

constexpr uint64_t kP1 = 0x9E3779B185EBCA87ULL;
constexpr uint64_t kP2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t kP3 = 0x165667B19E3779F9ULL;

uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
uint64_t round(uint64_t acc, uint64_t input) { return rotl(acc + input * kP2, 31) * kP1; }
uint64_t avalanche(uint64_t h) {
  h ^= h >> 33;
  h *= kP2;
  h ^= h >> 29;
  h *= kP3;
  h ^= h >> 32;
  return h;
}

void addPid(Hash128& h, const std::optional<Upid>& pid) {
  h.addU64(pid ? 1 : 0);
  if (pid) {
    h.add(pid->id);
    h.add(pid->host);
    h.add(pid->port);
  }
}

void addTask(Hash128& h, const Task& t) {
  h.add(t.id);
  h.add(t.name);
  h.add(t.slaveId);
  h.add(t.state);
  h.add(t.portRanges);
  h.addU64(t.statuses.size());
  for (const auto& st : t.statuses) {
    h.add(st.state);
    h.addDouble(st.timestamp);
    h.addU64(st.labels.size());
    for (const auto& [key, value] : st.labels) {
      h.add(key);
      h.add(value);
    }
    h.addU64(st.networkIps.size());
    for (const auto& ip : st.networkIps) h.add(ip);
    h.addU64(!st.healthy ? 0 : *st.healthy ? 1 : 2);
  }
  h.add(t.discoveryName);
  h.addU64(t.discoveryPorts.size());
  for (const auto& p : t.discoveryPorts) {
    h.addU64(static_cast<uint64_t>(static_cast<int64_t>(p.number)));
    h.add(p.name);
    h.add(p.protocol);
  }
}

}  // namespace

void Hash128::block(uint64_t w0, uint64_t w1) {
  a_ = round(round(a_, w0), w1);
  b_ = round(round(b_, w1 ^ kP3), w0);
}

void Hash128::addBytes(const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  total_ += size;
  if (fill_ > 0) {
    const size_t take = std::min(size, sizeof buffer_ - fill_);
    std::memcpy(buffer_ + fill_, p, take);
    fill_ += take;
    p += take;
    size -= take;
    if (fill_ < sizeof buffer_) return;
    uint64_t w[2];
    std::memcpy(w, buffer_, sizeof w);
    block(w[0], w[1]);
    fill_ = 0;
  }
  for (; size >= 16; p += 16, size -= 16) {
    uint64_t w[2];
    std::memcpy(w, p, sizeof w);
    block(w[0], w[1]);
  }
  std::memcpy(buffer_, p, size);
  fill_ = size;
}

std::array<uint64_t, 2> Hash128::digest() const {
  // The tail zero-padded, then the length (so that trailing zero bytes still count).
  uint8_t last[16] = {};
  std::memcpy(last, buffer_, fill_);
  uint64_t w[2];
  std::memcpy(w, last, sizeof w);
  Hash128 h = *this;
  h.block(w[0], w[1]);
  h.block(total_, ~total_);
  return {avalanche(h.a_), avalanche(h.b_ ^ rotl(h.a_, 17))};
}

StateFingerprint fingerprintOf(const MesosState& state, const GeneratorOptions& options) {
  Hash128 h;
  h.add(options.domain);
  h.add(options.nameServer);
  h.addU64(options.nameServerAddresses.size());
  for (const auto& ip : options.nameServerAddresses)
    h.add(std::string_view(reinterpret_cast<const char*>(ip.data()), ip.size()));
  h.addU64(options.masters.size());
  for (const auto& m : options.masters) h.add(m);
  h.addU64(options.ipSources.size());
  for (const auto& s : options.ipSources) h.add(s);
  h.addU64(static_cast<uint64_t>(options.labelRule));
  h.addU64(options.enumerate ? 1 : 0);
  h.addU64(options.healthyOnly ? 1 : 0);

  h.add(state.leader);
  h.addDouble(state.electedTime);
  h.addU64(state.recoveredSlaves.size());
  for (const auto& id : state.recoveredSlaves) h.add(id);
  h.addU64(state.frameworks.size());
  for (const auto& fw : state.frameworks) {
    h.add(fw.name);
    addPid(h, fw.pid);
    h.add(fw.hostname);
    h.addU64(fw.tasks.size());
    for (const auto& t : fw.tasks) addTask(h, t);
  }
  h.addU64(state.slaves.size());
  for (const auto& s : state.slaves) {
    h.add(s.id);
    h.add(s.hostname);
    addPid(h, s.pid);
  }
  return h.digest();
}

}  // namespace mdns

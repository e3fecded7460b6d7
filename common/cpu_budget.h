// How many CPUs the agent may really use, for the default number of DNS workers: the CPUs it may
// run on (taskset, systemd's CPUAffinity, a cpuset) and its cgroup's CPU quota (cgroup v2
// cpu.max, at its own level and every level above), whichever is fewer. Pure: the caller reads
// the kernel's files.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mdns {

// `cpuMax`: the text of each cpu.max file from the process's cgroup up to the root ("max 100000",
// "150000 100000"); unreadable or malformed ones are passed over. At least 1.
size_t usableCpus(size_t affinityCpus, const std::vector<std::string>& cpuMax);

// The process's cgroup v2 path ("/system.slice/mesos-dns-agent.service") from /proc/self/cgroup;
// std::nullopt without a unified (v2) hierarchy line.
std::optional<std::string> cgroupV2Path(std::string_view procSelfCgroup);

}  // namespace mdns

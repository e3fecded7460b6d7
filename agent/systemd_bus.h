// The few questions the agent asks systemd over the system bus (sd-bus from libsystemd), each a
// blocking call of at most a few seconds. Outside systemd (no bus, not in a unit) they fail with a
// message; the agent then carries on without them.
#pragma once

#include <optional>
#include <string>

#include "common/result.h"

namespace mdns::systemd {

// `systemctl reload-or-try-restart UNIT`: reloads the unit when it can be reloaded, restarts it
// when it cannot, and leaves it alone when it is not running or the node is shutting down.
// Returns once the job is queued.
Status reloadOrTryRestart(const std::string& unit);

// `systemctl kill --kill-who=main --signal=SIGNAL UNIT`, unless the node is shutting down.
Status signalMain(const std::string& unit, int signal);

// Whether UNIT is active (running) now; std::nullopt when systemd cannot be asked.
std::optional<bool> unitActive(const std::string& unit);

// The unit this process runs in (e.g. "mesos-dns-agent.service"), if any.
std::optional<std::string> ownUnit();

// The type of the job systemd runs for this process's unit now ("stop", "restart", ...; "" when
// none), or std::nullopt outside a unit or without the bus.
std::optional<std::string> ownUnitJob();

}  // namespace mdns::systemd

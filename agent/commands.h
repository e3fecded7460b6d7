// The command line's one-shot commands (mesos-dns-agent -config PATH COMMAND): each returns the
// process's exit status.
#pragma once

#include <string>

#include "common/config.h"

namespace mdns {

// dump-zone: loads the records once from the configured source and prints them as a BIND zone.
int dumpZone(const Config& config);

// resolvconf restore|apply|show.
int resolvConfCommand(const Config& config, const std::string& action);

// reload PID (the unit's ExecReload, run after the config was validated): SIGHUP to the agent, so
// that `systemctl reload` fails, naming the problems, on a bad config instead of the agent keeping
// the running one silently.
int reloadCommand(const std::string& pid);

}  // namespace mdns

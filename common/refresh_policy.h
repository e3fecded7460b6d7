// When to refresh next, and whether a new record set may replace the served one. Pure rules.
#pragma once

#include <cstddef>

namespace mdns {

// Seconds until the next refresh: refreshSeconds after a success; after `failures` failed
// refreshes in a row, refreshSeconds doubled for each failure beyond the first, at most 4x
// (a fleet must not hammer a master that struggles). A node that has no records at all yet
// (`haveRecords` false: names in the domain get SERVFAIL) retries sooner: 1 s, doubling per
// failure, at most refreshSeconds, so that it serves within seconds of the master's return.
// Then +/-20% jitter from `random01` (uniform in [0, 1)), so that agents restarted together do
// not poll in lock-step.
double nextRefreshSeconds(int refreshSeconds, int failures, double random01, bool haveRecords = true);

// Whether a record set of `fresh` records may replace one of `served` (minRecordRatio guard): a
// set that shrank below `ratio` x the served one looks like a broken state (a master without its
// frameworks yet, a half-written document) and is held back, unless the same set has now come
// `sameInARow` times in a row (3 or more: the cluster really shrank). `ratio` 0 turns it off.
bool acceptRecordCount(size_t served, size_t fresh, double ratio, int sameInARow);

}  // namespace mdns

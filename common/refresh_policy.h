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

// The minRecordRatio guard: a set that shrank below `ratio` x the served one looks like a broken
// state (a master without its frameworks yet, a half-written document) and is held back until sets
// below the ratio have come for `holdSeconds` (minRecordHoldSeconds) without a break: at
// refreshSeconds 1, three refreshes are three seconds, too short to tell a master that is still
// loading from a cluster that shrank. `ratio` 0 turns it off.
class ShrinkHold {
 public:
  struct Verdict {
    bool take = true;
    bool held = false;       // this set is held back
    bool endsHold = false;   // taken after being held for the whole window
    double heldSeconds = 0;  // how long sets below the ratio have come
  };
  // `now` in seconds on a steady clock.
  Verdict judge(size_t served, size_t fresh, double ratio, double holdSeconds, double now);
  bool holding() const { return since_ >= 0; }

 private:
  double since_ = -1;  // when the first set below the ratio came; -1: none now
};

// minRecordHoldSeconds when the config leaves it 0: the longer of 3 refreshes and 300 s.
double defaultRecordHoldSeconds(int refreshSeconds);

// A leader that has agents still to re-register (Mesos lists them in recovered_slaves, without
// their tasks, for up to --agent_reregister_timeout, 10 minutes by default, after its election):
// records that went away may only be missing, not gone. True while `recoveredAgents` is not 0 and
// the election (`electedTime`, unix seconds; 0: unknown) is less than `windowSeconds` ago.
bool leaderStillRecovering(size_t recoveredAgents, double electedTime, double nowUnix, double windowSeconds = 600);

}  // namespace mdns

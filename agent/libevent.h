// Owning handles for libevent's objects: an event, an event base or an evbuffer is freed when its
// handle goes, so no path forgets one and none is freed twice. An event must go before its base:
// declare the base first (members are destroyed in reverse order).
#pragma once

#include <event2/buffer.h>
#include <event2/event.h>

#include <memory>

namespace mdns {

struct EventBaseDeleter {
  void operator()(event_base* b) const { event_base_free(b); }
};
struct EventDeleter {
  void operator()(event* e) const { event_free(e); }
};
struct EvbufferDeleter {
  void operator()(evbuffer* b) const { evbuffer_free(b); }
};

using EventBasePtr = std::unique_ptr<event_base, EventBaseDeleter>;
using EventPtr = std::unique_ptr<event, EventDeleter>;
using EvbufferPtr = std::unique_ptr<evbuffer, EvbufferDeleter>;

}  // namespace mdns

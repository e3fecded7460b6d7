#include "agent/systemd_bus.h"

#include <systemd/sd-bus.h>
#include <systemd/sd-login.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace mdns::systemd {
namespace {

constexpr const char* kService = "org.freedesktop.systemd1";
constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";
constexpr uint64_t kCallTimeoutUsec = 5'000'000;

struct BusDeleter {
  void operator()(sd_bus* bus) const { sd_bus_flush_close_unref(bus); }
};
struct MessageDeleter {
  void operator()(sd_bus_message* m) const { sd_bus_message_unref(m); }
};
using Bus = std::unique_ptr<sd_bus, BusDeleter>;
using Message = std::unique_ptr<sd_bus_message, MessageDeleter>;

// One bus error, freed when it goes out of scope.
struct BusError {
  sd_bus_error e = SD_BUS_ERROR_NULL;
  ~BusError() { sd_bus_error_free(&e); }
  std::string text(int r) const {
    return e.message != nullptr ? std::string(e.message) : std::string(std::strerror(r < 0 ? -r : r));
  }
};

Result<Bus> open() {
  sd_bus* bus = nullptr;
  const int r = sd_bus_open_system(&bus);
  if (r < 0) return Error{std::string("cannot reach systemd on the system bus: ") + std::strerror(-r)};
  sd_bus_set_method_call_timeout(bus, kCallTimeoutUsec);
  return Bus(bus);
}

// The object path of a loaded unit, or "" when systemd does not know it.
std::string unitPath(sd_bus* bus, const std::string& unit) {
  BusError err;
  sd_bus_message* reply = nullptr;
  if (sd_bus_call_method(bus, kService, kManagerPath, kManager, "GetUnit", &err.e, &reply, "s", unit.c_str()) < 0)
    return "";
  Message owned(reply);
  const char* path = nullptr;
  if (sd_bus_message_read(reply, "o", &path) < 0 || path == nullptr) return "";
  return path;
}

// Whether the node is shutting down (then what is in /run goes with it: nothing to reload).
bool stopping(sd_bus* bus) {
  BusError err;
  char* state = nullptr;
  if (sd_bus_get_property_string(bus, kService, kManagerPath, kManager, "SystemState", &err.e, &state) < 0)
    return false;
  const bool down = std::strcmp(state, "stopping") == 0;
  std::free(state);
  return down;
}

}  // namespace

Status signalMain(const std::string& unit, int signal) {
  const auto opened = open();
  if (!opened) return Error{opened.error()};
  const Bus& bus = *opened;
  if (stopping(bus.get())) return {};
  BusError err;
  sd_bus_message* reply = nullptr;
  const int r = sd_bus_call_method(bus.get(), kService, kManagerPath, kManager, "KillUnit", &err.e, &reply, "ssi",
                                   unit.c_str(), "main", signal);
  sd_bus_message_unref(reply);
  if (r < 0) return Error{"systemd could not signal " + unit + ": " + err.text(r)};
  return {};
}

Status reloadOrTryRestart(const std::string& unit) {
  const auto opened = open();
  if (!opened) return Error{opened.error()};
  const Bus& bus = *opened;
  if (stopping(bus.get())) return {};
  BusError err;
  sd_bus_message* reply = nullptr;
  // "fail", not "replace": never turn a stop job queued for the unit (a shutdown) into a restart.
  const int r = sd_bus_call_method(bus.get(), kService, kManagerPath, kManager, "ReloadOrTryRestartUnit", &err.e,
                                   &reply, "ss", unit.c_str(), "fail");
  sd_bus_message_unref(reply);
  if (r < 0) return Error{"systemd could not reload or restart " + unit + ": " + err.text(r)};
  return {};
}

std::optional<bool> unitActive(const std::string& unit) {
  const auto opened = open();
  if (!opened) return std::nullopt;
  const Bus& bus = *opened;
  const std::string path = unitPath(bus.get(), unit);
  if (path.empty()) return false;  // not loaded: not running
  BusError err;
  char* state = nullptr;
  if (sd_bus_get_property_string(bus.get(), kService, path.c_str(), "org.freedesktop.systemd1.Unit", "ActiveState",
                                 &err.e, &state) < 0)
    return std::nullopt;
  const bool active = std::strcmp(state, "active") == 0 || std::strcmp(state, "reloading") == 0 ||
                      std::strcmp(state, "activating") == 0;
  std::free(state);
  return active;
}

std::optional<std::string> ownUnit() {
  char* unit = nullptr;
  if (sd_pid_get_unit(::getpid(), &unit) < 0 || unit == nullptr) return std::nullopt;
  std::string out = unit;
  std::free(unit);
  return out;
}

std::optional<std::string> ownUnitJob() {
  const auto unit = ownUnit();
  if (!unit) return std::nullopt;
  const auto opened = open();
  if (!opened) return std::nullopt;
  const Bus& bus = *opened;
  const std::string path = unitPath(bus.get(), *unit);
  if (path.empty()) return std::nullopt;
  // The unit's Job property: (id, job path); id 0 and path "/" when no job runs.
  BusError err;
  sd_bus_message* reply = nullptr;
  if (sd_bus_get_property(bus.get(), kService, path.c_str(), "org.freedesktop.systemd1.Unit", "Job", &err.e, &reply,
                          "(uo)") < 0)
    return std::nullopt;
  Message owned(reply);
  uint32_t id = 0;
  const char* jobPath = nullptr;
  if (sd_bus_message_read(reply, "(uo)", &id, &jobPath) < 0 || jobPath == nullptr) return std::nullopt;
  if (id == 0) return std::string();
  const std::string job = jobPath;
  BusError jobErr;
  char* type = nullptr;
  if (sd_bus_get_property_string(bus.get(), kService, job.c_str(), "org.freedesktop.systemd1.Job", "JobType", &jobErr.e,
                                 &type) < 0)
    return std::nullopt;
  std::string out = type;
  std::free(type);
  return out;
}

}  // namespace mdns::systemd

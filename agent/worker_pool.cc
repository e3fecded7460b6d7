#include "agent/worker_pool.h"

#include <unistd.h>

#include <algorithm>
#include <future>

#include "agent/log.h"

namespace mdns {

bool runOnLoop(event_base* loop, event_base* own, const std::function<void()>& f) {
  if (loop == own) {
    f();
    return true;
  }
  struct Call {
    const std::function<void()>* f;
    std::promise<void> done;
  } call{&f, {}};
  auto finished = call.done.get_future();
  if (event_base_once(
          loop, -1, EV_TIMEOUT,
          [](evutil_socket_t, short, void* arg) {
            auto* c = static_cast<Call*>(arg);
            (*c->f)();
            c->done.set_value();
          },
          &call, nullptr) != 0) {
    return false;  // waiting would never end
  }
  finished.wait();
  return true;
}

WorkerPool::WorkerPool(event_base* main, size_t count, const ServerFactory& make) : main_(main) {
  servers_.push_back(make(main));
  for (size_t i = 1; i < std::max<size_t>(count, 1); ++i) {
    bases_.emplace_back(event_base_new());
    servers_.push_back(make(bases_.back().get()));
  }
}

WorkerPool::~WorkerPool() { stop(); }

Result<bool> WorkerPool::listen(const Config& config, std::vector<InheritedSocket>& inherited) {
  bool adopted = false;
  std::string where;
  for (const auto& ip : listenerIps(config)) {
    const SocketAddress address{ip, static_cast<uint16_t>(config.port)};
    std::vector<int> udp, tcp;
    for (auto& s : inherited) {
      if (s.fd >= 0 && s.address == address) {
        (s.udp ? udp : tcp).push_back(s.fd);
        s.fd = -1;
      }
    }
    if (udp.empty() && tcp.empty()) {
      for (auto& server : servers_) {
        if (auto listening = server->listen(address, servers_.size() > 1); !listening) {
          return Error{listening.error()};
        }
      }
      where += (where.empty() ? "" : ", ") + address.toString();
      continue;
    }
    if (udp.empty() || tcp.empty()) {
      const std::string missing = udp.empty() ? "UDP" : "TCP";
      log::warning("systemd passed no " + missing + " socket for " + address.toString() + ": DNS over " + missing +
                   " is not served there");
    }
    // Each inherited socket to one worker; workers left over share the first (a duplicate).
    for (size_t i = 0; i < std::max({udp.size(), tcp.size(), servers_.size()}); ++i) {
      auto& server = servers_[i % servers_.size()];
      const int u = i < udp.size() ? udp[i] : (i < servers_.size() && !udp.empty() ? ::dup(udp[0]) : -1);
      const int t = i < tcp.size() ? tcp[i] : (i < servers_.size() && !tcp.empty() ? ::dup(tcp[0]) : -1);
      if (const auto adopting = server->adopt(u, t, true); !adopting) {
        return Error{address.toString() + ": " + adopting.error()};
      }
    }
    adopted = true;
    where += (where.empty() ? "" : ", ") + address.toString() + " (from systemd)";
  }
  log::info("serving DNS for " + config.domain + ". on " + where + " (udp, tcp; " + std::to_string(servers_.size()) +
            " worker" + (servers_.size() > 1 ? "s)" : ")"));
  return adopted;
}

void WorkerPool::unlistenEverywhere(const SocketAddress& address) {
  for (size_t i = 0; i < servers_.size(); ++i) {
    if (!runOnLoop(loopOf(i), main_, [&] { servers_[i]->unlisten(address); })) {
      log::error("reload: worker " + std::to_string(i) + " could not be reached to close " + address.toString());
    }
  }
}

bool WorkerPool::rebind(const Config& from, const Config& to) {
  auto addresses = [](const Config& c) {
    std::vector<SocketAddress> out;
    for (const auto& ip : listenerIps(c)) out.push_back({ip, static_cast<uint16_t>(c.port)});
    return out;
  };
  const auto before = addresses(from), after = addresses(to);
  auto has = [](const std::vector<SocketAddress>& list, const SocketAddress& a) {
    return std::find(list.begin(), list.end(), a) != list.end();
  };
  std::vector<SocketAddress> opened;
  for (const auto& address : after) {
    if (has(before, address)) continue;
    Status bound;
    for (size_t i = 0; i < servers_.size() && bound; ++i) {
      if (!runOnLoop(loopOf(i), main_, [&, i] { bound = servers_[i]->listen(address, servers_.size() > 1); })) {
        bound = Error{"listener " + address.toString() + ": worker " + std::to_string(i) + " could not be reached"};
      }
    }
    opened.push_back(address);
    if (!bound) {
      log::error("reload: " + bound.error() + "; keeping the listeners as they were");
      for (const auto& a : opened) unlistenEverywhere(a);
      return false;
    }
    log::info("reload: now serving DNS on " + address.toString());
  }
  for (const auto& address : before) {
    if (has(after, address)) continue;
    unlistenEverywhere(address);
    log::info("reload: no longer serving DNS on " + address.toString());
  }
  storeSockets(servers_);
  return true;
}

void WorkerPool::start() {
  for (auto& base : bases_) {
    stops_.emplace_back(event_new(
        base.get(), -1, 0, [](evutil_socket_t, short, void* b) { event_base_loopbreak(static_cast<event_base*>(b)); },
        base.get()));
    event_add(stops_.back().get(), nullptr);
    threads_.emplace_back([b = base.get()] { event_base_loop(b, EVLOOP_NO_EXIT_ON_EMPTY); });
  }
}

void WorkerPool::stop() {
  for (auto& e : stops_) event_active(e.get(), EV_READ, 0);
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void WorkerPool::resume() {
  for (auto& server : servers_) server->resume();
}

std::vector<event_base*> WorkerPool::threadLoops() const {
  std::vector<event_base*> out;
  for (const auto& b : bases_) out.push_back(b.get());
  return out;
}

}  // namespace mdns

// Closed-loop UDP load generator for the benchmarks: keeps N queries outstanding against a server
// for a fixed time and reports qps, lost queries and latency percentiles. dnsperf reports no
// percentiles, and its per-query log cannot keep up at full load.
//
// usage: dns_load PORT QUERYFILE SECONDS [OUTSTANDING]   (QUERYFILE: "name TYPE" lines)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

std::vector<uint8_t> makeQuery(const std::string& name, const std::string& type) {
  std::vector<uint8_t> q = {0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  std::stringstream labels(name);
  std::string label;
  while (std::getline(labels, label, '.')) {
    if (label.empty()) continue;
    q.push_back(static_cast<uint8_t>(label.size()));
    q.insert(q.end(), label.begin(), label.end());
  }
  q.push_back(0);
  const uint16_t t = type == "AAAA" ? 28 : type == "SRV" ? 33 : 1;
  q.push_back(static_cast<uint8_t>(t >> 8));
  q.push_back(static_cast<uint8_t>(t));
  q.push_back(0);
  q.push_back(1);
  return q;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: dns_load PORT QUERYFILE SECONDS [OUTSTANDING]\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const double seconds = std::atof(argv[3]);
  const int outstanding = argc > 4 ? std::atoi(argv[4]) : 64;
  std::vector<std::vector<uint8_t>> queries;
  std::ifstream in(argv[2]);
  std::string name, type;
  while (in >> name >> type) queries.push_back(makeQuery(name, type));
  if (queries.empty()) return 2;

  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) return 1;
  const int buf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);

  // One slot per query ID: when it was sent (0: free).
  std::vector<Clock::time_point> sentAt(65536);
  std::vector<bool> busy(65536, false);
  std::vector<double> latencies;
  latencies.reserve(1 << 24);
  size_t sent = 0, lost = 0, next = 0;
  uint16_t id = 0;
  int inFlight = 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  const auto timeout = std::chrono::milliseconds(1000);
  auto lastSweep = start;
  uint8_t reply[4096];
  while (true) {
    const auto now = Clock::now();
    const bool sending = now < end;
    while (sending && inFlight < outstanding) {
      while (busy[id]) ++id;
      auto& q = queries[next++ % queries.size()];
      q[0] = static_cast<uint8_t>(id >> 8);
      q[1] = static_cast<uint8_t>(id);
      sentAt[id] = Clock::now();
      busy[id] = true;
      send(fd, q.data(), q.size(), 0);
      ++sent;
      ++inFlight;
      ++id;
    }
    if (!sending && inFlight == 0) break;
    if (now - lastSweep > std::chrono::milliseconds(100)) {  // give up on queries older than 1 s
      lastSweep = now;
      for (size_t i = 0; i < busy.size(); ++i) {
        if (busy[i] && now - sentAt[i] > timeout) {
          busy[i] = false;
          --inFlight;
          ++lost;
        }
      }
      if (!sending && now > end + timeout * 2) break;
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 10) <= 0) continue;
    for (;;) {
      const ssize_t n = recv(fd, reply, sizeof reply, MSG_DONTWAIT);
      if (n < 12) break;
      const uint16_t rid = static_cast<uint16_t>((reply[0] << 8) | reply[1]);
      if (!busy[rid]) continue;
      busy[rid] = false;
      --inFlight;
      latencies.push_back(std::chrono::duration<double, std::micro>(Clock::now() - sentAt[rid]).count());
    }
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    return latencies.empty() ? 0.0
                             : latencies[std::min(latencies.size() - 1, static_cast<size_t>(latencies.size() * p))];
  };
  std::printf("sent %zu answered %zu lost %zu qps %.0f p50_us %.1f p99_us %.1f p999_us %.1f max_us %.1f\n", sent,
              latencies.size(), lost, static_cast<double>(latencies.size()) / std::min(elapsed, seconds), pct(0.5),
              pct(0.99), pct(0.999), latencies.empty() ? 0.0 : latencies.back());
  close(fd);
  return 0;
}

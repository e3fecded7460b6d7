// A file descriptor closed when its last owner lets go. Sockets that cross threads are held this
// way: the forwarder thread answers UDP clients on a worker's socket, and a reload that takes that
// listener away must not close it (and let the number be reused) while answers are still due.
#pragma once

#include <unistd.h>

#include <memory>

namespace mdns {

class OwnedFd {
 public:
  explicit OwnedFd(int fd) : fd_(fd) {}
  ~OwnedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

using SharedFd = std::shared_ptr<const OwnedFd>;

}  // namespace mdns

#include "agent/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace mdns {
namespace {

std::string folderOf(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Result<std::string> readWholeFile(const std::string& path, bool missingIsEmpty) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT && missingIsEmpty) return std::string();
    return Error{path + ": " + std::strerror(errno)};
  }
  std::string text;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int readErrno = errno;
      ::close(fd);
      return Error{path + ": read: " + std::strerror(readErrno)};
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

Status replaceFileAtomically(const std::string& path, const std::string& text, const struct stat* like) {
  return replaceFileAtomically(
      path, [&text](const ContentWriter& write) { write(text); }, like);
}

Status replaceFileAtomically(const std::string& path, const std::function<void(const ContentWriter&)>& produce,
                             const struct stat* like) {
  const std::string folder = folderOf(path);
  std::string tmpl = path + ".mesos-dns-agent.XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return Error{"cannot create a temporary file in " + folder + ": " + std::strerror(errno)};
  auto fail = [&](const std::string& what) -> Status {
    Error error{what + ": " + std::strerror(errno)};
    ::close(fd);
    ::unlink(name.data());
    return error;
  };
  int writeErrno = 0;  // the first write error; what comes after it is not written
  produce([&](std::string_view piece) {
    size_t done = 0;
    while (writeErrno == 0 && done < piece.size()) {
      const ssize_t n = ::write(fd, piece.data() + done, piece.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) writeErrno = errno;
      if (n > 0) done += static_cast<size_t>(n);
    }
  });
  if (writeErrno != 0) {
    errno = writeErrno;
    return fail("write " + std::string(name.data()));
  }
  const mode_t mode = like != nullptr ? (like->st_mode & 07777) : 0644;
  if (::fchmod(fd, mode) != 0) return fail("chmod " + std::string(name.data()));
  if (like != nullptr && ::fchown(fd, like->st_uid, like->st_gid) != 0)
    return fail("chown " + std::string(name.data()));
  if (::fsync(fd) != 0) return fail("fsync " + std::string(name.data()));
  if (::rename(name.data(), path.c_str()) != 0) return fail("rename to " + path);
  ::close(fd);
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {};
}

Status makeDirectories(const std::string& path) {
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string part = slash == std::string::npos ? path : path.substr(0, slash);
    if (!part.empty() && ::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) {
      return Error{"cannot create " + part + ": " + std::strerror(errno)};
    }
    if (slash == std::string::npos) return {};
  }
}

}  // namespace mdns

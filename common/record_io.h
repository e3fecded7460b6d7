// RecordIO, the framing of the Mesos operator API's event stream (docs/recordio.md in Mesos):
// each record is its length in bytes as decimal digits, a line feed, then that many bytes. The
// reader takes the stream in whatever pieces the network gives and hands out whole records;
// a broken frame (not digits, a record over the limit) stops it with an error naming the byte.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mdns {

class RecordIoReader {
 public:
  // `maxRecordBytes` is held to at most 10^18 (a length of 19 digits).
  explicit RecordIoReader(size_t maxRecordBytes)
      : maxRecordBytes_(std::min<size_t>(maxRecordBytes, 1'000'000'000'000'000'000)) {}

  // Appends the next piece of the stream (ignored once the framing broke).
  void feed(std::string_view bytes);
  // The next whole record, when one has arrived. std::nullopt: wait for more bytes (or see
  // error()).
  std::optional<std::string> next();
  // Why the stream cannot be read further ("" while it can).
  const std::string& error() const { return error_; }
  // Bytes held that are not part of a record handed out yet (a partial record's).
  size_t pending() const { return buffer_.size() - pos_; }

 private:
  size_t maxRecordBytes_;
  std::string buffer_;
  size_t pos_ = 0;       // where the next record's length begins in buffer_
  size_t consumed_ = 0;  // stream bytes before buffer_[0], for error positions
  std::string error_;
};

}  // namespace mdns

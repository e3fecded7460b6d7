#include "common/record_io.h"

namespace mdns {

void RecordIoReader::feed(std::string_view bytes) {
  if (!error_.empty()) return;
  // Drop what was handed out before growing, once it is most of the buffer.
  if (pos_ > 0 && pos_ >= buffer_.size() / 2) {
    buffer_.erase(0, pos_);
    consumed_ += pos_;
    pos_ = 0;
  }
  buffer_.append(bytes);
}

std::optional<std::string> RecordIoReader::next() {
  if (!error_.empty()) return std::nullopt;
  size_t length = 0;
  size_t i = pos_;
  for (; i < buffer_.size() && buffer_[i] != '\n'; ++i) {
    const char c = buffer_[i];
    if (c < '0' || c > '9') {
      error_ = "RecordIO: expected a record length (decimal digits and a line feed) at byte " +
               std::to_string(consumed_ + i) + ", found " +
               (c >= 0x20 && c < 0x7f ? "'" + std::string(1, c) + "'" : "byte " + std::to_string(uint8_t(c)));
      return std::nullopt;
    }
    length = length * 10 + static_cast<size_t>(c - '0');
    if (length > maxRecordBytes_) {
      error_ = "RecordIO: the record at byte " + std::to_string(consumed_ + pos_) + " is longer than " +
               std::to_string(maxRecordBytes_) + " bytes";
      return std::nullopt;
    }
  }
  if (i >= buffer_.size()) return std::nullopt;  // the length line is not whole yet
  if (i == pos_) {
    error_ = "RecordIO: empty record length at byte " + std::to_string(consumed_ + i);
    return std::nullopt;
  }
  const size_t start = i + 1;
  if (buffer_.size() - start < length) return std::nullopt;  // the record is not whole yet
  std::string record = buffer_.substr(start, length);
  pos_ = start + length;
  return record;
}

}  // namespace mdns

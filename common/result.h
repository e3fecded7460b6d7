// How the agent's edges (files, sockets, the system, the network) report failure: a Result holds
// the value or an Error whose message names what failed and where ("listener 127.0.0.1:53 (udp):
// bind: Address already in use"). [[nodiscard]]: a failure cannot be dropped unseen. Parsers of
// documents report through their own result structs (every problem, with warnings); exceptions stay
// inside parsing code, caught at its boundary.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace mdns {

struct Error {
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT(google-explicit-constructor): return value;
  Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor): return Error{...};

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& operator*() { return std::get<0>(state_); }
  const T& operator*() const { return std::get<0>(state_); }
  T* operator->() { return &std::get<0>(state_); }
  const T* operator->() const { return &std::get<0>(state_); }
  // The value, or `fallback` on failure.
  T value_or(T fallback) const { return ok() ? std::get<0>(state_) : std::move(fallback); }
  // The failure's message ("" when ok).
  const std::string& error() const {
    static const std::string kNone;
    return ok() ? kNone : std::get<1>(state_).message;
  }

 private:
  std::variant<T, Error> state_;
};

// A Result with no value: done, or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error.message)), failed_(true) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const std::string& error() const { return error_; }

 private:
  std::string error_;
  bool failed_ = false;
};

using Status = Result<void>;

}  // namespace mdns

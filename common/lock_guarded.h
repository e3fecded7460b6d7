// A value and the mutex that guards it, as one object (after dnsdist's LockGuarded): the value can
// only be reached through lock(), which holds the mutex for as long as the returned handle lives.
// Which data a mutex guards is then in the type, not in a comment.
//
//   LockGuarded<std::string> lastError;
//   *lastError.lock() = "timeout";               // locked for this statement
//   { auto e = lastError.lock(); e->append("!"); }  // locked for the block
//   std::string copy = lastError.copy();
//   auto s = state.lock(); s.waitFor(changed, 1s, [&] { return s->stopping; });  // with a condition variable
#pragma once

#include <condition_variable>
#include <mutex>
#include <utility>

namespace mdns {

template <typename T>
class LockGuarded {
 public:
  template <typename V, typename M>
  class Handle {
   public:
    Handle(V& value, M& mutex) : lock_(mutex), value_(value) {}
    V& operator*() const { return value_; }
    V* operator->() const { return &value_; }
    // Waits on `cv`, the lock released meanwhile, until `ready()` or `timeout`; held again after.
    template <typename Duration, typename Ready>
    bool waitFor(std::condition_variable& cv, Duration timeout, Ready ready) {
      return cv.wait_for(lock_, timeout, ready);
    }

   private:
    std::unique_lock<M> lock_;
    V& value_;
  };

  template <typename... Args>
  explicit LockGuarded(Args&&... args) : value_(std::forward<Args>(args)...) {}
  LockGuarded(const LockGuarded&) = delete;
  LockGuarded& operator=(const LockGuarded&) = delete;

  Handle<T, std::mutex> lock() { return Handle<T, std::mutex>(value_, mutex_); }
  Handle<const T, std::mutex> lock() const { return Handle<const T, std::mutex>(value_, mutex_); }
  // A copy of the value, taken under the lock.
  T copy() const { return *lock(); }

 private:
  mutable std::mutex mutex_;
  T value_;
};

}  // namespace mdns

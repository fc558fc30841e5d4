#pragma once
// A deadline for blocking socket I/O in code that has none of its own (libpq's PQexec and COPY
// calls wait in poll() for as long as the server stays silent): while armed, a socket whose
// deadline passes is shut down in both directions (shutdown(2)), so the call blocked on it, or
// the next one made on it, fails at once with a connection error. The descriptor stays open
// (its owner closes it), and once disarm() has returned the watchdog never touches it again, so
// it cannot shut down another connection that got the same number.
//
// One deadline at a time, watched by a thread of its own, started by the first arm().

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace streamlab::core {

class IoWatchdog {
 public:
  IoWatchdog() = default;
  IoWatchdog(const IoWatchdog&) = delete;
  IoWatchdog& operator=(const IoWatchdog&) = delete;
  // Safe while armed: the socket is left as it is.
  ~IoWatchdog();

  // Shuts socket `fd` down unless disarm() comes within `timeout`; replaces an earlier arm. A
  // negative `fd` (no connection) is watched for nothing.
  void arm(int fd, std::chrono::milliseconds timeout);
  // Ends the deadline; true when it had passed and the socket was shut down.
  bool disarm();

 private:
  using Clock = std::chrono::steady_clock;
  void watch();

  std::mutex mutex_;
  std::condition_variable wake_;
  int fd_ = -1;  // armed for this socket; -1: nothing armed
  Clock::time_point deadline_;
  // What the thread sleeps until: arm() wakes it only for an earlier deadline, so arming and
  // disarming around every statement costs no thread switch.
  Clock::time_point sleeping_until_ = Clock::time_point::max();
  bool fired_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace streamlab::core

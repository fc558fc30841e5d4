#include "core/io_watchdog.hpp"

#include <sys/socket.h>

namespace streamlab::core {

IoWatchdog::~IoWatchdog() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void IoWatchdog::arm(int fd, std::chrono::milliseconds timeout) {
  const std::lock_guard lock(mutex_);
  fd_ = fd;
  deadline_ = Clock::now() + timeout;
  fired_ = false;
  if (fd_ < 0) return;
  if (!thread_.joinable()) {
    thread_ = std::thread([this] { watch(); });
  } else if (deadline_ < sleeping_until_) {
    wake_.notify_one();
  }
}

bool IoWatchdog::disarm() {
  const std::lock_guard lock(mutex_);
  fd_ = -1;
  const bool fired = fired_;
  fired_ = false;
  return fired;
}

void IoWatchdog::watch() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    sleeping_until_ = fd_ < 0 ? Clock::time_point::max() : deadline_;
    if (fd_ < 0) {
      wake_.wait(lock);
    } else if (Clock::now() < deadline_) {
      wake_.wait_until(lock, deadline_);
    } else {
      // Under the lock: disarm() cannot return, and the owner close the socket, meanwhile.
      ::shutdown(fd_, SHUT_RDWR);
      fired_ = true;
      fd_ = -1;
    }
  }
}

}  // namespace streamlab::core

#include "sinks/batch_writer.hpp"

#include <cassert>

namespace streamlab::sinks {

ThreadWriter::ThreadWriter() : thread_([this] { run(); }) {}

ThreadWriter::~ThreadWriter() {
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !job_; });
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void ThreadWriter::start(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    assert(!job_);
    job_ = std::move(job);
    running_.store(true, std::memory_order_relaxed);
  }
  changed_.notify_all();
}

bool ThreadWriter::finished() { return !running_.load(std::memory_order_acquire); }

void ThreadWriter::wait() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return !job_; });
}

void ThreadWriter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return job_ || stopping_; });
    if (!job_) return;  // stopping, nothing left to run
    lock.unlock();
    job_();  // the job catches what it throws: its outcome is the caller's to read
    lock.lock();
    job_ = nullptr;
    running_.store(false, std::memory_order_release);  // after the job's effects, which the caller then reads
    changed_.notify_all();
  }
}

}  // namespace streamlab::sinks

#pragma once
// Where a sink's writes run. The runner hands each attempt to write a batch to a BatchWriter,
// one at a time, and goes on polling and parsing the next batch meanwhile; it takes the
// attempt's outcome once finished() says so, or waits for it.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace streamlab::sinks {

class BatchWriter {
 public:
  virtual ~BatchWriter() = default;
  // Starts `job`. The job started before must be finished.
  virtual void start(std::function<void()> job) = 0;
  // The job started last has run to its end (true when none was started).
  virtual bool finished() = 0;
  // Returns once finished() would say true.
  virtual void wait() = 0;
};

// Runs each job at once on the caller's thread: nothing overlaps.
class InlineWriter final : public BatchWriter {
 public:
  void start(std::function<void()> job) override { job(); }
  bool finished() override { return true; }
  void wait() override {}
};

// One thread beside the caller's, which runs the jobs; its destructor waits for the job running.
class ThreadWriter final : public BatchWriter {
 public:
  ThreadWriter();
  ~ThreadWriter() override;
  ThreadWriter(const ThreadWriter&) = delete;
  ThreadWriter& operator=(const ThreadWriter&) = delete;

  void start(std::function<void()> job) override;
  bool finished() override;
  void wait() override;

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable changed_;
  std::function<void()> job_;  // set: started, not finished
  // job_ as the caller may read it without the lock: finished() is asked between two messages.
  std::atomic<bool> running_ = false;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the rest is ready
};

}  // namespace streamlab::sinks

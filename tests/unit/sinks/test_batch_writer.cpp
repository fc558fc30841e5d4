#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "sinks/batch_writer.hpp"

namespace streamlab::sinks {
namespace {

TEST(ThreadWriter, RunsTheJobOnItsOwnThreadUntilItEnds) {
  ThreadWriter w;
  EXPECT_TRUE(w.finished());
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::thread::id ran_on;
  w.start([&] {
    ran_on = std::this_thread::get_id();
    gate.wait();
  });
  EXPECT_FALSE(w.finished()) << "the job waits for the gate";
  release.set_value();
  w.wait();
  EXPECT_TRUE(w.finished());
  EXPECT_NE(ran_on, std::this_thread::get_id());
  int runs = 0;
  for (int i = 0; i < 100; ++i) {
    w.start([&] { ++runs; });
    w.wait();
  }
  EXPECT_EQ(runs, 100);
}

TEST(ThreadWriter, ItsDestructorWaitsForTheJobRunning) {
  std::atomic<bool> done{false};
  {
    ThreadWriter w;
    w.start([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a slow write, not a wait for readiness
      done = true;
    });
  }
  EXPECT_TRUE(done);
}

}  // namespace
}  // namespace streamlab::sinks

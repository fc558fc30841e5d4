// bench::runner's pure parts: what a child streamlab gets on its command line.

#include <gtest/gtest.h>

#include "bench/run.hpp"

using namespace streamlab::bench;

TEST(BenchRunner, AChildsSinkUriGoesThroughItsEnvironment) {
  std::vector<std::string> argv = {"streamlab", "consume", "--sink", "postgres://u:pw@h/db", "--table", "t"};
  EXPECT_EQ(sink_through_environment(argv), (Environment{{"STREAMLAB_BENCH_SINK", "postgres://u:pw@h/db"}}));
  EXPECT_EQ(argv[3], "env:STREAMLAB_BENCH_SINK");
  argv = {"streamlab", "consume", "--sink", "null"};
  EXPECT_TRUE(sink_through_environment(argv).empty());
  EXPECT_EQ(argv[3], "null");
}

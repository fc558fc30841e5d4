// bench::stats_series: --stats lines parsed, read from a file being written, and aligned on one
// grid (a producer against a consumer, or the sum of a group's members).

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bench/stats_series.hpp"

using namespace streamlab::bench;

TEST(BenchStats, ParsesCompleteLinesOnly) {
  const auto p = parse_stats(
      "{\"t\": 1000, \"count\": 5, \"bytes\": 50}\n"
      "{\"t\": 1250, \"count\": 9, \"bytes\": 90, \"stored\": 7}\n"
      "{\"t\": 1500, \"cou");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].t_ms, 1000);
  EXPECT_EQ(p[1].count, 9u);
  EXPECT_FALSE(p[0].stored.has_value());
  EXPECT_EQ(p[1].stored.value(), 7u);
}

TEST(BenchStats, AlignsTwoFilesOnOneRegularGrid) {
  const std::vector<StatsPoint> produced = {{1000, 10, 0, {}}, {1250, 30, 0, {}}, {1500, 40, 0, {}}};
  const std::vector<StatsPoint> consumed = {{1100, 5, 0, {}}, {1600, 40, 0, {}}};
  const Series s = align(produced, consumed, 900, 250);
  // 1000, 1250, 1500 on the grid, then 1600 where the last line is.
  ASSERT_EQ(s.t.size(), 4u);
  EXPECT_DOUBLE_EQ(s.t[0], 0.1);
  EXPECT_DOUBLE_EQ(s.t[3], 0.7);
  // t=1250: produced 30; consumed between 5 (t=1100) and 40 (t=1600): 5 + 0.3 * 35 = 15.5
  EXPECT_DOUBLE_EQ(s.produced[1], 30);
  EXPECT_DOUBLE_EQ(s.consumed[1], 15.5);
  EXPECT_DOUBLE_EQ(s.lag[1], 14.5);
  EXPECT_DOUBLE_EQ(s.consumed[0], 0);  // before the consumer's first line
  EXPECT_DOUBLE_EQ(s.lag[3], 0);
  // A consumer line before any producer line does not make a negative lag.
  const Series early = align({{2000, 1, 0, {}}}, {{1000, 3, 0, {}}}, 1000);
  EXPECT_DOUBLE_EQ(early.lag[0], 0);
  EXPECT_TRUE(align({}, {}, 0).t.empty());
}

TEST(BenchStats, InterpolatesBetweenLinesAndHoldsTheLast) {
  const std::vector<StatsPoint> p = {{1000, 100, 0, {}}, {2000, 300, 0, {}}};
  EXPECT_DOUBLE_EQ(count_interpolated(p, 999), 0);
  EXPECT_DOUBLE_EQ(count_interpolated(p, 1000), 100);
  EXPECT_DOUBLE_EQ(count_interpolated(p, 1500), 200);
  EXPECT_DOUBLE_EQ(count_interpolated(p, 9000), 300);
  // Lines 6 s apart (the process was blocked): held at the earlier count until the later line.
  const std::vector<StatsPoint> gap = {{1000, 100, 0, 100}, {7000, 400, 0, 400}};
  EXPECT_DOUBLE_EQ(count_interpolated(gap, 6999), 100);
  EXPECT_DOUBLE_EQ(stored_interpolated(gap, 4000), 100);
  EXPECT_DOUBLE_EQ(count_interpolated(gap, 7000), 400);
}

TEST(BenchStats, AppendShiftedContinuesTheCount) {
  std::vector<StatsPoint> all = {{1000, 100, 0, {}}};
  append_shifted(all, {{2000, 20, 0, {}}, {2250, 50, 0, {}}}, 100);
  EXPECT_EQ(count_at(all, 2100), 120u);
  EXPECT_EQ(count_at(all, 5000), 150u);
  EXPECT_EQ(count_at(all, 999), 0u);
}

TEST(BenchStats, LastCountReadsTheTailsLastCompleteLine) {
  const auto path = std::filesystem::temp_directory_path() / ("streamlab-last-count-" + std::to_string(::getpid()));
  EXPECT_EQ(last_count(path), 0u);  // not there yet
  {
    std::ofstream out(path);
    for (int i = 1; i <= 500; ++i) out << "{\"t\": " << 1000 + i << ", \"count\": " << i * 10 << ", \"bytes\": 1}\n";
    out << "{\"t\": 9999, \"cou";  // being written
  }
  EXPECT_EQ(last_count(path), 5000u);
  EXPECT_EQ(last_count(path), read_stats(path).back().count);
  std::filesystem::remove(path);
}

TEST(BenchFaults, MembersSumIntoOneSeries) {
  // A killed member (its lines end at 1500) and its restart (from 2000): consumed and stored are
  // the sums, the first held at its last line once it is gone.
  const std::vector<StatsPoint> produced = {{0, 100, 0, {}}};
  const std::vector<StatsPoint> killed = {{1000, 40, 0, 30}, {1500, 60, 0, 50}};
  const std::vector<StatsPoint> restarted = {{2000, 0, 0, 0}, {2500, 50, 0, 50}};
  const Series s = align_members(produced, {killed, restarted}, 0, 500);
  ASSERT_EQ(s.t.size(), 6u);             // 0, 0.5, …, 2.5
  EXPECT_DOUBLE_EQ(s.stored[2], 30);     // t=1000
  EXPECT_DOUBLE_EQ(s.stored[3], 50);     // t=1500
  EXPECT_DOUBLE_EQ(s.stored[4], 50);     // t=2000: the restart has stored nothing yet
  EXPECT_DOUBLE_EQ(s.stored[5], 100);    // t=2500
  EXPECT_DOUBLE_EQ(s.consumed[5], 110);  // ten messages read twice
  EXPECT_DOUBLE_EQ(s.lag[5], 0);
  EXPECT_DOUBLE_EQ(s.produced[1], 100);
  EXPECT_DOUBLE_EQ(stored_interpolated(killed, 1250), 40);
}

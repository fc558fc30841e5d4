#include "core/stats_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/errors.hpp"

namespace {

using streamlab::core::StatsFile;

std::filesystem::path temp_path(const char* name) {
  return std::filesystem::temp_directory_path() / (std::string(name) + "-" + std::to_string(::getpid()));
}

TEST(StatsFile, AppendsStampedJsonLines) {
  const auto path = temp_path("streamlab-stats");
  std::filesystem::remove(path);
  {
    StatsFile stats(path.string(), std::chrono::milliseconds(0));
    EXPECT_TRUE(stats.due());
    stats.write({{"count", 1}});
    stats.write({{"count", 2}, {"bytes", 30}});
  }
  std::ifstream in(path);
  std::string line;
  std::vector<nlohmann::json> lines;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1]["count"], 2);
  EXPECT_EQ(lines[1]["bytes"], 30);
  EXPECT_GT(lines[0]["t"].get<std::int64_t>(), 1'600'000'000'000);  // Unix ms
  EXPECT_GE(lines[1]["t"].get<std::int64_t>(), lines[0]["t"].get<std::int64_t>());
  std::filesystem::remove(path);
}

TEST(StatsFile, OffWithoutAPathAndNeverDue) {
  StatsFile stats("");
  EXPECT_FALSE(stats.due());
  stats.write({{"count", 1}});  // a no-op
}

TEST(StatsFile, NotDueAgainWithinTheInterval) {
  const auto path = temp_path("streamlab-stats-interval");
  StatsFile stats(path.string(), std::chrono::hours(1));
  stats.write({{"count", 1}});
  EXPECT_FALSE(stats.due());
  std::filesystem::remove(path);
}

TEST(StatsFile, AnUnwritablePathIsNamed) {
  try {
    StatsFile stats("/nonexistent-dir/stats.jsonl");
    FAIL() << "expected a RuntimeFailure";
  } catch (const streamlab::core::RuntimeFailure& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/stats.jsonl"), std::string::npos);
  }
}

}  // namespace

#pragma once
// The `--stats FILE` lines of produce and consume ({"t": unix ms, "count", "bytes"[, "stored"]},
// one every 250 ms and a final one), and the scenario series made from two of them on a
// common clock.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

namespace streamlab::bench {

struct StatsPoint {
  std::int64_t t_ms = 0;  // wall clock, unix ms
  std::uint64_t count = 0;
  std::uint64_t bytes = 0;
  std::optional<std::uint64_t> stored;
};

// Complete lines only: a line still being written (no JSON object yet) is left out.
std::vector<StatsPoint> parse_stats(std::string_view text);
std::vector<StatsPoint> read_stats(const std::filesystem::path& path);
// The last complete line's count (0 when there is none yet), reading only the file's tail:
// what a progress loop polls several times a second while the file grows.
std::uint64_t last_count(const std::filesystem::path& path);

// The last count at or before `t_ms` (0 before the first point).
std::uint64_t count_at(const std::vector<StatsPoint>& points, std::int64_t t_ms);

// Appends `more` (a later process of the same stream, e.g. the next step of a rate ladder)
// with its counts shifted by `base`.
void append_shifted(std::vector<StatsPoint>& into, const std::vector<StatsPoint>& more, std::uint64_t base);

struct Series {
  std::vector<double> t;  // seconds since `epoch_ms`
  std::vector<double> produced, consumed, lag;
};

// The count at `t_ms`, linear between the points around it (0 before the first, the last after it).
double count_interpolated(const std::vector<StatsPoint>& points, double t_ms);

// Both cumulative counts on one regular grid of `step_ms` from the first point of either file to
// the last (which ends the grid), each interpolated; lag = produced - consumed (never below 0).
// The two processes write their lines at unrelated instants: on the union of their times, rates
// drawn from neighbouring points milliseconds apart would spike; on equal steps they don't.
Series align(const std::vector<StatsPoint>& produced, const std::vector<StatsPoint>& consumed, std::int64_t epoch_ms,
             std::int64_t step_ms = 250);

}  // namespace streamlab::bench

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
// The last complete line (nullopt when there is none yet), reading only the file's tail: what a
// progress loop polls several times a second while the file grows.
std::optional<StatsPoint> last_point(const std::filesystem::path& path);
// Its count, 0 when there is none yet.
std::uint64_t last_count(const std::filesystem::path& path);

// The last count at or before `t_ms` (0 before the first point).
std::uint64_t count_at(const std::vector<StatsPoint>& points, std::int64_t t_ms);

// Appends `more` (a later process of the same stream, e.g. the next step of a rate ladder)
// with its counts shifted by `base`.
void append_shifted(std::vector<StatsPoint>& into, const std::vector<StatsPoint>& more, std::uint64_t base);

struct Series {
  std::vector<double> t;  // seconds since `epoch_ms`
  std::vector<double> produced, consumed, lag;
  std::vector<double> stored;  // only from align_members: rows stored by every member
};

// Two lines further apart than this mean the process was held up (a sink write blocked through
// an outage): no line was written, so nothing is known of the time between, and the count is held
// at the earlier line's until the later one instead of being spread over the gap.
constexpr std::int64_t kStatsGapMs = 1000;

// The count at `t_ms`, linear between the points around it (held across a gap of more than
// kStatsGapMs; 0 before the first, the last after it).
double count_interpolated(const std::vector<StatsPoint>& points, double t_ms);
// The same for `stored` (a point without it counts as 0).
double stored_interpolated(const std::vector<StatsPoint>& points, double t_ms);

// Both cumulative counts on one regular grid of `step_ms` from the first point of either file to
// the last (which ends the grid), each interpolated; lag = produced - consumed (never below 0).
// The two processes write their lines at unrelated instants: on the union of their times, rates
// drawn from neighbouring points milliseconds apart would spike; on equal steps they don't.
Series align(const std::vector<StatsPoint>& produced, const std::vector<StatsPoint>& consumed, std::int64_t epoch_ms,
             std::int64_t step_ms = 250);

// As align, with several consumers of one group (a killed member and its restart, a member
// that joined and left): consumed and stored are the sums of every member's counts, each held
// at its last value once that member is gone and 0 before its first line. Each member counts
// its own reads, so a replay after a fault counts again in consumed (not in stored).
Series align_members(const std::vector<StatsPoint>& produced, const std::vector<std::vector<StatsPoint>>& members,
                     std::int64_t epoch_ms, std::int64_t step_ms = 250);

}  // namespace streamlab::bench

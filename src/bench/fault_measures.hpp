#pragma once
// The figures of the bench's fault scenarios that need no process: the recovery time and the
// longest stall from --stats points, `streamlab verify --json`'s totals, and whether a sink's
// URI is the local service that the bench may stop and start.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/stats_series.hpp"

namespace streamlab::bench {

// Milliseconds from `from_ms` (the kill, the outage's end, a member's leave) to the first point
// stamped after `after_ms` whose stored count is above the one held at `after_ms` (the last
// point at or before it, 0 when there is none: a member started after the fault). `after_ms`
// (≥ from_ms) is the moment rows could start coming from the new source, e.g. when a survivor
// was seen taking over a partition; by default `from_ms` itself. nullopt when nothing was
// stored after it. Points without `stored` count as 0. The points are one process's lines, in
// time order, so the figure is as fine as their 250 ms period.
std::optional<std::int64_t> recovery_ms(const std::vector<StatsPoint>& points, std::int64_t from_ms,
                                        std::optional<std::int64_t> after_ms = std::nullopt);

// The longest time (s) in which no member of a group stored a row: between two successive
// --stats lines, of any member, that show its stored count risen (a member's first line counts
// when it stored something). From the first rise to the last, so the waiting for the group at
// the start and the idle tail do not count; 0 with fewer than two rises. Read from the lines
// themselves, not an interpolated series, which would spread a restart's first rows back over
// the time it spent joining.
double longest_stall_s(const std::vector<std::vector<StatsPoint>>& members);

// `streamlab verify --json`: the document's totals.
struct VerifyFigures {
  bool ok = false;  // every offset held exactly once and the stored offsets match
  std::uint64_t expected = 0, rows = 0, dead_letters = 0, missing = 0, duplicated = 0;
};
// From verify's stdout: its last line that is a JSON object with "command": "verify" and
// "totals"; nullopt when there is none (verify did not run, or is not in this build).
std::optional<VerifyFigures> parse_verify(std::string_view stdout_text);
// As report.json holds them: {"ok", "expected", "rows", "dead_letters", "missing", "duplicated"}.
nlohmann::json to_json(const VerifyFigures& v);

// The value of `export NAME=VALUE` in the output of `deploy/local/services env` ("" when absent).
// Single quotes around it (as bash's %q writes unusual text) are removed.
std::string exported_value(std::string_view env_output, std::string_view name);

// Whether two URIs or host:port addresses name the same server: same port (`default_port` when
// none is written) and the same host, "localhost" being 127.0.0.1. The bench stops a database
// only when the sink's URI is the one the local services script exports.
bool same_server(const std::string& a, const std::string& b, std::uint16_t default_port);

}  // namespace streamlab::bench

#include "bench/stats_series.hpp"

#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

#include "bench/child_process.hpp"

namespace streamlab::bench {

std::vector<StatsPoint> parse_stats(std::string_view text) {
  std::vector<StatsPoint> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) break;  // the writer has not finished this line
    const std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("t") || !j.contains("count")) continue;
    StatsPoint p;
    p.t_ms = j["t"].get<std::int64_t>();
    p.count = j["count"].get<std::uint64_t>();
    p.bytes = j.value("bytes", std::uint64_t{0});
    if (j.contains("stored") && j["stored"].is_number()) p.stored = j["stored"].get<std::uint64_t>();
    out.push_back(p);
  }
  return out;
}

std::vector<StatsPoint> read_stats(const std::filesystem::path& path) { return parse_stats(read_text(path)); }

std::optional<StatsPoint> last_point(const std::filesystem::path& path) {
  constexpr std::streamoff kTail = 1024;  // many lines of ~60 bytes
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return std::nullopt;
  const std::streamoff size = in.tellg();
  const std::streamoff from = std::max<std::streamoff>(0, size - kTail);
  std::string tail(static_cast<std::size_t>(size - from), '\0');
  in.seekg(from);
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  // A line cut at the start of the tail is not a JSON object and is left out.
  const auto points = parse_stats(tail);
  if (points.empty()) return std::nullopt;
  return points.back();
}

std::uint64_t last_count(const std::filesystem::path& path) {
  const auto p = last_point(path);
  return p ? p->count : 0;
}

std::uint64_t count_at(const std::vector<StatsPoint>& points, std::int64_t t_ms) {
  std::uint64_t c = 0;
  for (const auto& p : points) {
    if (p.t_ms > t_ms) break;
    c = p.count;
  }
  return c;
}

void append_shifted(std::vector<StatsPoint>& into, const std::vector<StatsPoint>& more, std::uint64_t base) {
  for (StatsPoint p : more) {
    p.count += base;
    if (p.stored) *p.stored += base;
    into.push_back(p);
  }
}

namespace {

template <typename Value>
double interpolated(const std::vector<StatsPoint>& points, double t_ms, Value value) {
  const auto after = std::find_if(points.begin(), points.end(),
                                  [&](const StatsPoint& p) { return static_cast<double>(p.t_ms) > t_ms; });
  if (after == points.begin()) return 0;
  const StatsPoint& a = *std::prev(after);
  if (after == points.end()) return value(a);
  const StatsPoint& b = *after;
  if (b.t_ms - a.t_ms > kStatsGapMs) return value(a);
  const double f = (t_ms - static_cast<double>(a.t_ms)) / static_cast<double>(b.t_ms - a.t_ms);
  return value(a) + f * (value(b) - value(a));
}

// The grid of align: every `step_ms` from the first point of any list to the last (which ends it).
std::vector<std::int64_t> grid(const std::vector<const std::vector<StatsPoint>*>& lists, std::int64_t step_ms) {
  std::int64_t first = INT64_MAX, last = INT64_MIN;
  for (const auto* points : lists) {
    if (points->empty()) continue;
    first = std::min(first, points->front().t_ms);
    last = std::max(last, points->back().t_ms);
  }
  std::vector<std::int64_t> times;
  if (first > last) return times;
  for (std::int64_t t = first; t < last; t += step_ms) times.push_back(t);
  times.push_back(last);
  return times;
}

}  // namespace

double count_interpolated(const std::vector<StatsPoint>& points, double t_ms) {
  return interpolated(points, t_ms, [](const StatsPoint& p) { return static_cast<double>(p.count); });
}

double stored_interpolated(const std::vector<StatsPoint>& points, double t_ms) {
  return interpolated(points, t_ms, [](const StatsPoint& p) { return static_cast<double>(p.stored.value_or(0)); });
}

Series align(const std::vector<StatsPoint>& produced, const std::vector<StatsPoint>& consumed, std::int64_t epoch_ms,
             std::int64_t step_ms) {
  Series s;
  for (const std::int64_t t : grid({&produced, &consumed}, step_ms)) {
    const double pr = count_interpolated(produced, static_cast<double>(t));
    const double co = count_interpolated(consumed, static_cast<double>(t));
    s.t.push_back(static_cast<double>(t - epoch_ms) / 1000.0);
    s.produced.push_back(pr);
    s.consumed.push_back(co);
    s.lag.push_back(std::max(0.0, pr - co));
  }
  return s;
}

Series align_members(const std::vector<StatsPoint>& produced, const std::vector<std::vector<StatsPoint>>& members,
                     std::int64_t epoch_ms, std::int64_t step_ms) {
  std::vector<const std::vector<StatsPoint>*> lists = {&produced};
  for (const auto& m : members) lists.push_back(&m);
  Series s;
  for (const std::int64_t t : grid(lists, step_ms)) {
    const double at = static_cast<double>(t);
    const double pr = count_interpolated(produced, at);
    double co = 0, st = 0;
    for (const auto& m : members) {
      co += count_interpolated(m, at);
      st += stored_interpolated(m, at);
    }
    s.t.push_back(static_cast<double>(t - epoch_ms) / 1000.0);
    s.produced.push_back(pr);
    s.consumed.push_back(co);
    s.lag.push_back(std::max(0.0, pr - co));
    s.stored.push_back(st);
  }
  return s;
}

}  // namespace streamlab::bench

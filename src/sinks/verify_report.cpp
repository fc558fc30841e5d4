#include "sinks/verify_report.hpp"

#include <algorithm>
#include <limits>
#include <map>

namespace streamlab::sinks {
namespace {

void take(OffsetSample& s, std::int64_t first, std::int64_t next, std::size_t samples) {
  if (first >= next) return;
  s.count += static_cast<std::uint64_t>(next - first);
  for (std::int64_t o = first; o < next && s.first.size() < samples; ++o) s.first.push_back(o);
}

// One merge of the topic's runs with the held offsets, both ascending.
PartitionReport judge(std::int32_t partition, const kafka::PartitionOffsets* topic, const PartitionHoldings& held,
                      std::size_t samples) {
  PartitionReport r;
  r.partition = partition;
  r.in_topic = topic != nullptr;
  if (topic != nullptr) {
    r.low = topic->low;
    r.high = topic->high;
    r.expected = topic->present.count();
  }
  r.rows = held.rows.size();
  r.dead_letters = held.dead_letters.size();
  r.stored_offset = held.stored_offset;
  const std::optional<std::int64_t> stored = held.stored_offset;

  std::vector<std::int64_t> rows = held.rows, dead = held.dead_letters;
  std::sort(rows.begin(), rows.end());
  std::sort(dead.begin(), dead.end());
  static const std::vector<kafka::OffsetRun> kNoRuns;
  const std::vector<kafka::OffsetRun>& runs = topic != nullptr ? topic->present.runs() : kNoRuns;

  const auto missing = [&](std::int64_t first, std::int64_t next) {
    if (first >= next) return;
    take(r.missing, first, next, samples);
    const std::int64_t from = stored ? std::max(first, *stored) : first;
    if (from < next) r.missing_not_consumed += static_cast<std::uint64_t>(next - from);
  };
  // Run k is the first not wholly accounted for; its offsets below `cursor` are.
  std::size_t k = 0;
  std::int64_t cursor = runs.empty() ? 0 : runs[0].first;
  const auto account_runs_below = [&](std::int64_t offset) {
    while (k < runs.size() && runs[k].next <= offset) {
      missing(cursor, runs[k].next);
      if (++k < runs.size()) cursor = runs[k].first;
    }
  };

  constexpr std::int64_t kEnd = std::numeric_limits<std::int64_t>::max();
  std::size_t i = 0, j = 0;
  while (i < rows.size() || j < dead.size()) {
    const std::int64_t o = std::min(i < rows.size() ? rows[i] : kEnd, j < dead.size() ? dead[j] : kEnd);
    std::uint32_t as_row = 0, as_dead = 0;
    for (; i < rows.size() && rows[i] == o; ++i) ++as_row;
    for (; j < dead.size() && dead[j] == o; ++j) ++as_dead;
    if (as_row + as_dead > 1) {
      ++r.duplicated;
      if (r.first_duplicated.size() < samples) r.first_duplicated.push_back({o, as_row, as_dead});
    }
    if (stored && o >= *stored) r.held_at_or_past_stored += as_row + as_dead;
    r.expected_stored_offset = o + 1;  // ascending: the last one wins

    account_runs_below(o);
    if (k < runs.size() && runs[k].first <= o) {
      missing(cursor, o);
      cursor = o + 1;
    } else if (o >= r.high) {
      take(r.beyond_end, o, o + 1, samples);
    } else {
      take(r.gone, o, o + 1, samples);
    }
  }
  account_runs_below(kEnd);
  return r;
}

}  // namespace

bool VerifyReport::ok() const {
  return std::all_of(partitions.begin(), partitions.end(), [](const PartitionReport& p) { return p.ok(); });
}

VerifyReport compare(const std::vector<kafka::PartitionOffsets>& topic, const SinkHoldings& sink, std::size_t samples) {
  std::map<std::int32_t, const kafka::PartitionOffsets*> by_id;
  for (const auto& p : topic) by_id[p.partition] = &p;
  static const PartitionHoldings kNothing;
  VerifyReport report;
  for (const auto& [id, p] : by_id) {
    const auto held = sink.partitions.find(id);
    report.partitions.push_back(judge(id, p, held == sink.partitions.end() ? kNothing : held->second, samples));
  }
  for (const auto& [id, held] : sink.partitions) {
    if (by_id.count(id) == 0) report.partitions.push_back(judge(id, nullptr, held, samples));
  }
  return report;
}

}  // namespace streamlab::sinks

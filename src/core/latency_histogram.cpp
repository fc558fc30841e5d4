#include "core/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace streamlab::core {

int LatencyHistogram::index_of(std::uint64_t v) {
  if (v < kSub) return static_cast<int>(v);
  const int msb = 63 - std::countl_zero(v);  // >= kSubBits
  const int shift = msb - kSubBits + 1;
  // Groups after the first hold values [2^msb, 2^(msb+1)) in kSub/2 .. kSub-1 sub-buckets.
  return shift * (kSub / 2) + static_cast<int>(v >> shift);
}

std::int64_t LatencyHistogram::upper_bound_of(int index) {
  if (index < kSub) return index;
  const int shift = (index - kSub / 2) / (kSub / 2);
  const std::uint64_t sub = static_cast<std::uint64_t>(index - shift * (kSub / 2));
  return static_cast<std::int64_t>(((sub + 1) << shift) - 1);
}

void LatencyHistogram::record(std::int64_t micros) {
  if (micros < 0) micros = 0;  // clocks of producer and consumer hosts may disagree slightly
  const int i = std::min(index_of(static_cast<std::uint64_t>(micros)), kBuckets - 1);
  ++buckets_[static_cast<std::size_t>(i)];
  ++count_;
  sum_ += micros;
  max_ = std::max(max_, micros);
  min_ = std::min(min_, micros);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
  min_ = std::min(min_, other.min_);
}

std::int64_t LatencyHistogram::quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::min(upper_bound_of(static_cast<int>(i)), max_);
  }
  return max_;
}

std::vector<std::pair<std::int64_t, std::uint64_t>> LatencyHistogram::buckets() const {
  std::vector<std::pair<std::int64_t, std::uint64_t>> out;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    if (buckets_[i] != 0) out.emplace_back(std::min(upper_bound_of(static_cast<int>(i)), max_), buckets_[i]);
  }
  return out;
}

}  // namespace streamlab::core

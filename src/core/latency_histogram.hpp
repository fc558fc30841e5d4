#pragma once
// Latency distribution in microseconds with bounded relative error (~1.6%): values are kept in
// 64 linear sub-buckets per power of two, so memory is fixed whatever the count.

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

namespace streamlab::core {

class LatencyHistogram {
 public:
  void record(std::int64_t micros);
  void merge(const LatencyHistogram& other);
  std::uint64_t count() const { return count_; }
  std::int64_t max() const { return max_; }
  std::int64_t min() const { return count_ ? min_ : 0; }
  std::int64_t sum() const { return sum_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0; }
  // q in [0, 1]; returns an upper bound of the bucket holding the q-quantile (0 when empty).
  std::int64_t quantile(double q) const;
  // (upper bound, count) of every non-empty bucket, in increasing order: the distribution.
  std::vector<std::pair<std::int64_t, std::uint64_t>> buckets() const;

 private:
  static constexpr int kSubBits = 6;
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kBuckets = (64 - kSubBits) * kSub;
  static int index_of(std::uint64_t v);
  static std::int64_t upper_bound_of(int index);

  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  std::int64_t sum_ = 0;
  std::int64_t max_ = 0;
  std::int64_t min_ = INT64_MAX;
};

}  // namespace streamlab::core

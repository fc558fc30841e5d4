// find_rejected against a fake store that refuses chosen items: it names exactly the refused
// items, stores every other item once and in order, and needs few attempts (counted).

#include "sinks/bisect.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using streamlab::sinks::Attempt;
using streamlab::sinks::find_rejected;
using streamlab::sinks::Rejection;

// Refuses a range holding a bad item with that first bad item's error (as COPY stops at it);
// stores the rest of a range it takes.
struct FakeStore {
  std::set<std::size_t> bad;
  std::vector<std::size_t> stored;
  std::size_t attempts = 0;

  Attempt operator()(std::size_t first, std::size_t last) {
    ++attempts;
    EXPECT_LT(first, last);
    for (std::size_t i = first; i < last; ++i) {
      if (bad.count(i) != 0) return {false, "bad item " + std::to_string(i)};
    }
    for (std::size_t i = first; i < last; ++i) stored.push_back(i);
    return {true, {}};
  }
};

std::vector<Rejection> run(FakeStore& store, std::size_t n) {
  return find_rejected(n, [&](std::size_t first, std::size_t last) { return store(first, last); });
}

// Every item is stored exactly once, in order, or refused with its own error.
void expect_complete(const FakeStore& store, const std::vector<Rejection>& refused, std::size_t n) {
  std::vector<std::size_t> expected_stored;
  for (std::size_t i = 0; i < n; ++i) {
    if (store.bad.count(i) == 0) expected_stored.push_back(i);
  }
  EXPECT_EQ(store.stored, expected_stored);
  ASSERT_EQ(refused.size(), store.bad.size());
  std::size_t k = 0;
  for (const std::size_t b : store.bad) {
    EXPECT_EQ(refused[k].index, b);
    EXPECT_EQ(refused[k].error, "bad item " + std::to_string(b));
    ++k;
  }
}

TEST(Bisect, ACleanBatchCostsOneAttempt) {
  FakeStore store;
  EXPECT_TRUE(run(store, 5000).empty());
  EXPECT_EQ(store.attempts, 1u);
  EXPECT_EQ(store.stored.size(), 5000u);
  FakeStore empty;
  EXPECT_TRUE(run(empty, 0).empty());
  EXPECT_EQ(empty.attempts, 0u);
}

TEST(Bisect, OneBadItemAnywhereInFiveThousand) {
  constexpr std::size_t n = 5000;
  const auto bound = static_cast<std::size_t>(2 * std::ceil(std::log2(n)) + 2);  // 28
  std::size_t worst = 0;
  for (std::size_t bad = 0; bad < n; bad += 7) {
    FakeStore store;
    store.bad = {bad};
    const auto refused = run(store, n);
    expect_complete(store, refused, n);
    EXPECT_LE(store.attempts, bound) << "bad item at " << bad;
    worst = std::max(worst, store.attempts);
  }
  for (const std::size_t bad : {std::size_t{0}, n - 1}) {
    FakeStore store;
    store.bad = {bad};
    expect_complete(store, run(store, n), n);
  }
  RecordProperty("worst_attempts_1_in_5000", static_cast<int>(worst));
}

TEST(Bisect, ManyBadItemsCostAboutTwoKLogNOverK) {
  std::mt19937 rng(20240601);
  for (const std::size_t k : {2u, 10u, 50u}) {
    constexpr std::size_t n = 5000;
    FakeStore store;
    while (store.bad.size() < k) store.bad.insert(rng() % n);
    const auto refused = run(store, n);
    expect_complete(store, refused, n);
    const double bound = 2.0 * static_cast<double>(k) * (std::log2(static_cast<double>(n) / k) + 2) + 1;
    EXPECT_LE(static_cast<double>(store.attempts), bound) << k << " bad items";
    EXPECT_LT(store.attempts, n / 4) << "never one attempt per item";
  }
}

TEST(Bisect, EveryItemBadAndAdjacentBadItems) {
  FakeStore all;
  for (std::size_t i = 0; i < 9; ++i) all.bad.insert(i);
  expect_complete(all, run(all, 9), 9);
  EXPECT_LE(all.attempts, 2u * 9);
  FakeStore pair;
  pair.bad = {4, 5};
  expect_complete(pair, run(pair, 10), 10);
  FakeStore single;
  single.bad = {0};
  expect_complete(single, run(single, 1), 1);
  EXPECT_EQ(single.attempts, 1u);  // the whole batch was the item: no second attempt
}

// A store that refuses an item only in company (not how a data error behaves) loses nothing:
// the item alone is tried before it is called refused.
TEST(Bisect, AnItemRefusedOnlyInCompanyIsStoredNotRefused) {
  std::vector<std::size_t> stored;
  std::size_t attempts = 0;
  const auto refused = find_rejected(8, [&](std::size_t first, std::size_t last) -> Attempt {
    ++attempts;
    if (first == 0 && last == 8) return {false, "the whole batch"};
    for (std::size_t i = first; i < last; ++i) stored.push_back(i);
    return {true, {}};
  });
  EXPECT_TRUE(refused.empty());
  EXPECT_EQ(stored, (std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_LE(attempts, 5u);
}

TEST(Bisect, AnAttemptThatThrowsStopsTheSearch) {
  std::size_t attempts = 0;
  EXPECT_THROW(find_rejected(100,
                             [&](std::size_t, std::size_t) -> Attempt {
                               if (++attempts == 3) throw std::runtime_error("connection lost");
                               return {false, "refused"};
                             }),
               std::runtime_error);
  EXPECT_EQ(attempts, 3u);
}

}  // namespace

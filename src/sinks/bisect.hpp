#pragma once
// Finds the items of a batch that a store refuses, when the store only says whether a whole
// range of items was taken (a COPY under a savepoint, a put_all), in few attempts: the range is
// halved around each refusal, so k bad items among n cost about 2k·log2(n/k) attempts, not n.
//
// The caller's attempt stores a range, or stores nothing of it and says why. A range taken
// stays stored. When find_rejected returns, every item not in its answer has been stored by
// exactly one accepted attempt, in increasing index order; the refused ones never were.
// Items are assumed to be refused for what they hold, not for their company: a range is refused
// exactly when it holds a bad item, and a store that stops at its first bad item (COPY does)
// reports that item's error. An attempt may throw (an outage): find_rejected lets it through.

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace streamlab::sinks {

struct Attempt {
  bool stored = false;
  std::string error;  // why the range was refused; empty when stored
};

struct Rejection {
  std::size_t index = 0;
  std::string error;
};

// `attempt(first, last)` tries items [first, last). The first attempt is the whole batch, so a
// batch without a bad item costs one attempt. Returns the refused items in index order.
std::vector<Rejection> find_rejected(std::size_t count,
                                     const std::function<Attempt(std::size_t first, std::size_t last)>& attempt);

}  // namespace streamlab::sinks

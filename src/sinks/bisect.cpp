#include "sinks/bisect.hpp"

#include <optional>

namespace streamlab::sinks {
namespace {

class Search {
 public:
  explicit Search(const std::function<Attempt(std::size_t, std::size_t)>& attempt) : attempt_(attempt) {}

  // [first, last) holds a refused item. `own_error`: the error of an attempt of exactly this
  // range, when there was one (a range known bad only because its sibling was taken has none).
  void refine(std::size_t first, std::size_t last, std::optional<std::string> own_error) {
    if (last - first == 1) {
      // A single item known bad by inference is tried alone once: its dead letter then carries
      // its own error, and an item that was not the culprit after all is stored, not lost.
      if (!own_error) {
        Attempt alone = attempt_(first, last);
        if (alone.stored) return;
        own_error = std::move(alone.error);
      }
      found_.push_back({first, std::move(*own_error)});
      return;
    }
    const std::size_t mid = first + (last - first) / 2;
    Attempt left = attempt_(first, mid);
    if (left.stored) {
      refine(mid, last, std::nullopt);  // the bad item is on the right
      return;
    }
    refine(first, mid, std::move(left.error));
    Attempt right = attempt_(mid, last);
    if (!right.stored) refine(mid, last, std::move(right.error));
  }

  std::vector<Rejection> take() { return std::move(found_); }

 private:
  const std::function<Attempt(std::size_t, std::size_t)>& attempt_;
  std::vector<Rejection> found_;
};

}  // namespace

std::vector<Rejection> find_rejected(std::size_t count,
                                     const std::function<Attempt(std::size_t first, std::size_t last)>& attempt) {
  if (count == 0) return {};
  Attempt whole = attempt(0, count);
  if (whole.stored) return {};
  Search search(attempt);
  search.refine(0, count, std::move(whole.error));
  return search.take();
}

}  // namespace streamlab::sinks

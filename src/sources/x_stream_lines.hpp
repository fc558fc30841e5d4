#pragma once
// Cuts X's streaming response into lines: one line may arrive in many reads and one read may
// hold many lines. Lines end with "\r\n"; blank ones are keep-alives and are dropped. A line
// longer than kMaxLine (no tweet comes near it) is dropped and counted, not buffered: a stream
// that never sends a line break cannot grow memory without bound.

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace streamlab::sources {

class LineSplitter {
 public:
  static constexpr std::size_t kMaxLine = std::size_t{1} << 20;

  // `max_line`: the longest line kept, counting its '\r' but not its '\n'; x-stream's is
  // kMaxLine, a smaller one is for tests and the fuzz target.
  explicit LineSplitter(std::size_t max_line = kMaxLine) : max_line_(max_line) {}

  // Appends every line completed by `chunk` (without its "\r\n") to `out`; blank lines
  // (keep-alives) are counted, not appended.
  void feed(std::string_view chunk, std::deque<std::string>& out);
  // Drops an incomplete line (a connection lost mid-line); returns its size in bytes.
  std::size_t reset();
  std::size_t pending() const { return partial_.size(); }
  std::uint64_t keep_alives() const { return keep_alives_; }
  std::uint64_t oversized() const { return oversized_; }

 private:
  std::size_t max_line_;
  std::string partial_;
  bool discarding_ = false;  // inside a line over the cap: bytes are skipped up to its end
  std::uint64_t keep_alives_ = 0, oversized_ = 0;
};

}  // namespace streamlab::sources

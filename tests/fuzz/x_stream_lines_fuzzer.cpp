// libFuzzer target: x-stream's line splitter (sources/x_stream_lines.cpp). The first bytes choose
// a line cap, how the rest is cut into reads, and where the connection is lost (reset()); the
// rest is the stream. Whatever the reads, the splitter must give what one pass over the whole
// stream gives: the same lines (a line is its bytes up to '\n', one '\r' before it dropped),
// the same keep-alives (blank lines) and lines over the cap (counted, never let through), and
// never more than the cap held back.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "sources/x_stream_lines.hpp"

using streamlab::fuzz::check;
using streamlab::sources::LineSplitter;

namespace {

struct Expected {
  std::vector<std::string> lines;
  std::uint64_t keep_alives = 0, oversized = 0;
  std::size_t pending = 0;
};

// One pass over `stream`, as a fresh splitter with cap `cap` should read it.
void expect(std::string_view stream, std::size_t cap, Expected& e) {
  for (;;) {
    const auto nl = stream.find('\n');
    if (nl == std::string_view::npos) {
      if (stream.size() > cap) {
        ++e.oversized;
        e.pending = 0;
      } else {
        e.pending = stream.size();
      }
      return;
    }
    std::string_view line = stream.substr(0, nl);
    stream.remove_prefix(nl + 1);
    if (line.size() > cap) {
      ++e.oversized;
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
      ++e.keep_alives;
    } else {
      e.lines.emplace_back(line);
    }
  }
}

// Feeds `stream` in reads of 1 to 16 bytes, their sizes drawn from `seed`.
void feed(LineSplitter& s, std::string_view stream, std::uint32_t& seed, std::size_t cap,
          std::deque<std::string>& out) {
  while (!stream.empty()) {
    seed = seed * 1103515245u + 12345u;
    const std::size_t n = std::min<std::size_t>(stream.size(), 1 + (seed >> 16) % 16);
    s.feed(stream.substr(0, n), out);
    stream.remove_prefix(n);
    check(s.pending() <= cap, "the splitter holds more than its cap");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const std::size_t cap = data[0] == 255 ? LineSplitter::kMaxLine : 1 + data[0] % 32;
  std::uint32_t seed = data[1];
  const std::string_view stream(reinterpret_cast<const char*>(data + 3), size - 3);
  // data[2] == 0: no reset; else the connection is lost that far (in 256ths) into the stream.
  const std::size_t cut = data[2] == 0 ? stream.size() : stream.size() * data[2] / 256;

  LineSplitter s(cap);
  std::deque<std::string> out;
  Expected e;
  feed(s, stream.substr(0, cut), seed, cap, out);
  expect(stream.substr(0, cut), cap, e);
  if (data[2] != 0) {
    check(s.reset() == e.pending, "reset() does not return the unfinished line's size");
    check(s.pending() == 0, "reset() leaves bytes behind");
    feed(s, stream.substr(cut), seed, cap, out);
    expect(stream.substr(cut), cap, e);
  }
  check(out.size() == e.lines.size(), "another number of lines than one pass over the stream gives");
  for (std::size_t i = 0; i < out.size(); ++i) {
    check(out[i] == e.lines[i], "another line than one pass over the stream gives");
    check(out[i].size() <= cap, "a line over the cap let through");
  }
  check(s.keep_alives() == e.keep_alives, "another number of keep-alives");
  check(s.oversized() == e.oversized, "another number of lines over the cap");
  check(s.pending() == e.pending, "another unfinished line");
  return 0;
}

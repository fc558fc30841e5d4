#include "sources/x_stream_lines.hpp"

#include <algorithm>

namespace streamlab::sources {
namespace {

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

}  // namespace

void LineSplitter::feed(std::string_view chunk, std::deque<std::string>& out) {
  for (;;) {
    const auto nl = chunk.find('\n');
    if (discarding_) {
      if (nl == std::string_view::npos) return;
      discarding_ = false;
      chunk.remove_prefix(nl + 1);
      continue;
    }
    const std::size_t piece_size = nl == std::string_view::npos ? chunk.size() : nl;
    if (partial_.size() + piece_size > max_line_) {
      ++oversized_;
      partial_.clear();
      partial_.shrink_to_fit();
      discarding_ = true;
      continue;
    }
    if (nl == std::string_view::npos) {
      partial_.append(chunk);
      return;
    }
    std::string_view piece = chunk.substr(0, nl);
    chunk.remove_prefix(nl + 1);
    std::string line;
    if (partial_.empty()) {
      line.assign(piece);
    } else {
      line = std::move(partial_);
      partial_.clear();
      line.append(piece);
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (blank(line)) {
      ++keep_alives_;
    } else {
      out.push_back(std::move(line));
    }
  }
}

std::size_t LineSplitter::reset() {
  const std::size_t n = partial_.size();
  partial_.clear();
  discarding_ = false;
  return n;
}

}  // namespace streamlab::sources

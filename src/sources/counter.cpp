#include "sources/counter.hpp"

#include <fmt/format.h>

namespace streamlab::sources {

std::optional<std::string_view> Counter::next() {
  buf_.clear();
  // The exact bytes of the lab's json.dumps({'number': n}).
  fmt::format_to(std::back_inserter(buf_), "{{\"number\": {}}}", next_++);
  return std::string_view(buf_);
}

}  // namespace streamlab::sources

#include "sources/counter.hpp"

#include <charconv>

namespace streamlab::sources {

std::optional<std::string_view> Counter::next() {
  // The exact bytes of the lab's json.dumps({'number': n}), without fmt's formatting per message.
  char digits[24];
  char* end = std::to_chars(digits, digits + sizeof digits, next_++).ptr;
  buf_.assign(R"({"number": )").append(digits, end).push_back('}');
  return std::string_view(buf_);
}

}  // namespace streamlab::sources

#pragma once
// The lab's test messages: {"number": n}, n = 0, 1, 2, ...

#include <cstdint>
#include <string>

#include "sources/source.hpp"

namespace streamlab::sources {

class Counter final : public Source {
 public:
  explicit Counter(std::uint64_t first = 0) : next_(first) {}
  std::optional<std::string_view> next() override;

 private:
  std::uint64_t next_;
  std::string buf_;
};

}  // namespace streamlab::sources

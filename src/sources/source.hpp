#pragma once
// A source of messages for the producer.

#include <optional>
#include <string_view>

namespace streamlab::sources {

class Source {
 public:
  virtual ~Source() = default;
  // The next message payload, valid until the next call; nullopt when the source is exhausted.
  virtual std::optional<std::string_view> next() = 0;
  // Lines skipped as malformed so far (file sources), 0 for generators.
  virtual std::size_t skipped() const { return 0; }
};

}  // namespace streamlab::sources

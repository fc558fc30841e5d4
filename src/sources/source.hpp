#pragma once
// A source of messages for the producer.

#include <optional>
#include <string>
#include <string_view>

namespace streamlab::sources {

class Source {
 public:
  virtual ~Source() = default;
  // The next message payload, valid until the next call; nullopt when the source is exhausted,
  // or, for a live source, when nothing has arrived within a short wait.
  virtual std::optional<std::string_view> next() = 0;
  // A live source (the network) never ends by itself: nullopt from next() means "nothing yet",
  // so the producer can check --duration and Ctrl-C and ask again.
  virtual bool live() const { return false; }
  // Lines skipped as malformed so far (file sources), 0 for generators.
  virtual std::size_t skipped() const { return 0; }
  // Where the first skipped line was and why ("" when none).
  virtual std::string first_skip_reason() const { return {}; }
};

}  // namespace streamlab::sources

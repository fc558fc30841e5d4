#pragma once
// Stores nothing: the pipeline's cost without a database, for measurement.

#include "sinks/sink.hpp"

namespace streamlab::sinks {

class NullSink final : public Sink {
 public:
  std::string describe() const override { return "null"; }
  Offsets stored_offsets(const std::string&, const std::vector<TopicPartition>&) override { return {}; }
  Offsets write(const std::string&, const Batch&) override { return {}; }
};

}  // namespace streamlab::sinks

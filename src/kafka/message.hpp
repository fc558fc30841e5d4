#pragma once
// One consumed message in C++ terms: where it came from, when, its payload, and the consumer's
// assignment generation when it was polled. It owns what its views point to (librdkafka's
// message, or for tests and tools a copy made by Message::copy), so it can be moved freely and
// nothing above the kafka layer touches librdkafka's types.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace streamlab::kafka {

// The header a paced `streamlab produce` stamps each message with: its intended send time, in
// microseconds since the epoch, as decimal digits.
inline constexpr const char* kIntendedHeader = "streamlab-intended-us";
// Paced faster than this, the producer stamps every k-th message, k the least that keeps the
// stamped ones at or under this rate. Stamping every message at 260,000 msgs/s into PostgreSQL
// cost 0.27 cores of the producer against 0.16, and 0.36 of the consumer against 0.28 (librdkafka
// builds each message's headers in allocations of their own on both sides); 20,000 timed
// messages a second, evenly spread, still give every percentile.
inline constexpr double kIntendedStampsPerSecond = 20000;

struct Message {
  using Owner = std::unique_ptr<void, void (*)(void*)>;

  std::string_view topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp_ms = -1;  // Kafka's timestamp (CreateTime or LogAppendTime); -1 when absent
  // When a paced producer meant to send it (header kIntendedHeader, µs since the epoch); 0 when
  // absent. Latency from it counts the time a producer fell behind its schedule, which Kafka's
  // timestamp, taken when the message is finally sent, hides (coordinated omission).
  std::int64_t intended_us = 0;
  std::string_view payload;
  // Messages polled before a partition was (re)assigned or seeked carry an older generation:
  // whoever repositioned the partition knows to drop them.
  std::uint64_t generation = 0;
  std::string error;  // non-empty: not a message but a consumer error event (logged, not stored)
  Owner owner{nullptr, [](void*) {}};

  // A message that owns copies of its topic and payload (fakes, tests).
  static Message copy(std::string_view topic, std::int32_t partition, std::int64_t offset, std::string_view payload,
                      std::int64_t timestamp_ms = -1, std::uint64_t generation = 0) {
    struct Copy {
      std::string topic, payload;
    };
    auto* c = new Copy{std::string(topic), std::string(payload)};
    Message m;
    m.topic = c->topic;
    m.payload = c->payload;
    m.partition = partition;
    m.offset = offset;
    m.timestamp_ms = timestamp_ms;
    m.generation = generation;
    m.owner = Owner(c, [](void* p) { delete static_cast<Copy*>(p); });
    return m;
  }
};

}  // namespace streamlab::kafka

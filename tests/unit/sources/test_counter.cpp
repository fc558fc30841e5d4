#include "sources/counter.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "tweets/message_parser.hpp"

namespace {

using streamlab::sources::Counter;

// The lab's producer sent json.dumps({'number': n}): the same bytes, n counting up from the first.
TEST(Counter, SendsTheLabsBytesCountingUp) {
  Counter c;
  for (std::uint64_t n = 0; n < 1200; ++n) {
    const auto payload = c.next();
    ASSERT_TRUE(payload.has_value());
    ASSERT_EQ(std::string(*payload), "{\"number\": " + std::to_string(n) + "}");
  }
  EXPECT_EQ(std::string(*Counter(7).next()), R"({"number": 7})");
}

TEST(Counter, TheLargestNumberIsWrittenWhole) {
  Counter c(std::numeric_limits<std::uint64_t>::max());
  const std::string payload(*c.next());
  EXPECT_EQ(payload, R"({"number": 18446744073709551615})");
  streamlab::tweets::MessageParser parser;
  streamlab::tweets::ParsedMessage parsed;
  parser.parse(payload, parsed);
  EXPECT_EQ(parsed.kind, streamlab::tweets::MessageKind::Counter);
}

}  // namespace

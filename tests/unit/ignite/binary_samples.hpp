#pragma once
// Shared by the Ignite codec's and messages' tests: protocol bytes, and the binary type of a
// sink row (a field of each kind the sinks write).

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ignite/value.hpp"

namespace streamlab::testing {

using Bytes = std::vector<std::uint8_t>;

inline std::shared_ptr<const ignite::BinaryType> row_type() {
  using ignite::BinaryType;
  using ignite::TypeCode;
  return std::make_shared<BinaryType>("streamlab.Row",
                                      std::vector<std::pair<std::string, TypeCode>>{{"TOPIC", TypeCode::kString},
                                                                                    {"KAFKA_PARTITION", TypeCode::kInt},
                                                                                    {"KAFKA_OFFSET", TypeCode::kLong},
                                                                                    {"TEXT", TypeCode::kString},
                                                                                    {"CREATED", TypeCode::kTimestamp},
                                                                                    {"SCORE", TypeCode::kDouble},
                                                                                    {"RETWEET", TypeCode::kBool},
                                                                                    {"PAYLOAD", TypeCode::kByteArray}});
}

}  // namespace streamlab::testing

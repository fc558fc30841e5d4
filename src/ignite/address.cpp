#include "ignite/address.hpp"

#include <fmt/format.h>

namespace streamlab::ignite {

std::string Address::to_string() const {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

}  // namespace streamlab::ignite

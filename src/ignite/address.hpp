#pragma once
// One node's thin-client endpoint, and its text form. Apart from the client so that the address
// parser (uri.cpp) and its fuzz target need none of the network code.

#include <cstdint>
#include <string>

namespace streamlab::ignite {

struct Address {
  std::string host = "127.0.0.1";
  std::uint16_t port = 10800;
  std::string to_string() const;  // "host:port", "[v6]:port"
};

}  // namespace streamlab::ignite

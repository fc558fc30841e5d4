#pragma once
// Errors by what the caller should do about them; main maps them to exit codes.

#include <stdexcept>
#include <string>

namespace streamlab::core {

// Bad flags, values or configuration: exit code 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Something could not be delivered, read or stored: exit code 1.
struct RuntimeFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace streamlab::core

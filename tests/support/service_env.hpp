#pragma once
// What an integration test needs of the services `make test` started: their addresses, from the
// environment, and names no earlier run used (a failed run leaves its tables behind).

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace streamlab::testing {

// $NAME, or "" when it is not set (the test then skips).
inline std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

// `prefix` + "<pid>_<n>", n counting this process's calls.
inline std::string unique_name(const std::string& prefix) {
  static int counter = 0;
  return prefix + std::to_string(getpid()) + "_" + std::to_string(++counter);
}

}  // namespace streamlab::testing

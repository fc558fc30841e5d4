#pragma once
// Runs a shell command for a test and captures what it printed and its exit code.

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include "test_locations.hpp"

namespace streamlab::testing {

struct Outcome {
  int code;
  std::string output;
};

// `command` runs under /bin/sh; append "2>&1" to capture stderr too.
inline Outcome run_command(const std::string& command) {
  FILE* f = popen(command.c_str(), "r");
  if (f == nullptr) return {-1, "popen failed"};
  std::string out;
  std::array<char, 65536> buf{};
  for (;;) {
    const size_t n = fread(buf.data(), 1, buf.size(), f);
    if (n == 0) break;
    out.append(buf.data(), n);
  }
  const int status = pclose(f);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

inline std::string cli(const std::string& args) {
  // Appended, not `literal + " " + args`: GCC 12 at -O2 sees a false array-bounds overflow in that.
  std::string command = STREAMLAB_BINARY;
  command += ' ';
  command += args;
  return command;
}

}  // namespace streamlab::testing

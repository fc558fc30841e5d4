#pragma once
// Child processes of the bench: streamlab's own produce/consume (so the monitor sees each as
// a process of its own), the baseline tools and the services' command-line clients.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace streamlab::bench {

struct ChildSpec {
  std::vector<std::string> argv;                         // argv[0] is looked up in PATH when it has no '/'
  std::filesystem::path stdin_path;                      // empty: /dev/null
  std::filesystem::path stdout_path;                     // empty: /dev/null
  bool stdout_pipe = false;                              // instead: a pipe read through Child::stdout_fd()
  std::filesystem::path stderr_path;                     // empty: /dev/null
  std::vector<std::pair<std::string, std::string>> env;  // added to (or replacing in) ours
};

class Child {
 public:
  // Throws core::RuntimeFailure naming the program when it cannot be started.
  static Child spawn(const ChildSpec& spec);
  Child(Child&& other) noexcept;
  Child& operator=(Child&& other) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();  // a child still running is killed (SIGKILL) and reaped

  pid_t pid() const { return pid_; }
  int stdout_fd() const { return stdout_fd_; }  // with ChildSpec::stdout_pipe, else -1
  // The exit code once it has exited (128 + signal when killed), without blocking.
  std::optional<int> poll();
  // Waits at most `timeout`; nullopt when still running then.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  void signal(int sig);
  // SIGTERM, then SIGKILL after `grace`; returns the exit code.
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(10000));

 private:
  Child() = default;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::optional<int> exit_code_;
};

struct RunResult {
  int exit_code = -1;  // -1: timed out (killed)
  std::string out, err;
  double seconds = 0;  // wall time of the process
};

// Runs to completion (killed after `timeout`), capturing stdout and stderr through files in
// `scratch` (or the system's temp dir).
// `on_start` gets the pid (the bench's monitor watches baselines by it).
// This process's private directory (mode 0700, made by mkdtemp, removed at exit) where
// run_program keeps its programs' output.
const std::filesystem::path& private_temp_dir();

RunResult run_program(const std::vector<std::string>& argv, std::chrono::seconds timeout,
                      const std::vector<std::pair<std::string, std::string>>& env = {},
                      const std::filesystem::path& stdin_path = {}, const std::function<void(pid_t)>& on_start = {});

// The executable `name` in PATH, or nullopt.
std::optional<std::filesystem::path> find_program(const std::string& name);

std::string read_text(const std::filesystem::path& path);

}  // namespace streamlab::bench

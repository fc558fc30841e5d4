#include "bench/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "core/errors.hpp"

extern char** environ;

namespace streamlab::bench {

namespace {

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::vector<std::string> merged_environment(const std::vector<std::pair<std::string, std::string>>& extra) {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry(*e);
    const std::string key = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& [k, v] : extra) replaced = replaced || k == key;
    if (!replaced) out.push_back(entry);
  }
  for (const auto& [k, v] : extra) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

Child Child::spawn(const ChildSpec& spec) {
  if (spec.argv.empty()) throw core::RuntimeFailure("spawn: empty command line");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const auto path_or_null = [](const std::filesystem::path& p) {
    return p.empty() ? std::string("/dev/null") : p.string();
  };
  const std::string in = path_or_null(spec.stdin_path), out = path_or_null(spec.stdout_path),
                    err = path_or_null(spec.stderr_path);
  posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
  int pipe_fds[2] = {-1, -1};
  if (spec.stdout_pipe) {
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw core::RuntimeFailure("spawn: cannot make a pipe");
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  } else {
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  }
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Default signal dispositions in the child (our SIGINT/SIGTERM handlers are not inherited
  // anyway, but an ignored SIGPIPE would be).
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigdefault(&attr, &all);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<std::string> args = spec.argv;
  std::vector<std::string> envs = merged_environment(spec.env);
  auto argv = c_strings(args);
  auto envp = c_strings(envs);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (pipe_fds[1] >= 0) ::close(pipe_fds[1]);
  if (rc != 0 && pipe_fds[0] >= 0) ::close(pipe_fds[0]);
  if (rc != 0) throw core::RuntimeFailure(fmt::format("cannot start {}: {}", spec.argv[0], std::strerror(rc)));
  Child c;
  c.pid_ = pid;
  c.stdout_fd_ = pipe_fds[0];
  return c;
}

Child::Child(Child&& other) noexcept : pid_(other.pid_), stdout_fd_(other.stdout_fd_), exit_code_(other.exit_code_) {
  other.pid_ = -1;
  other.stdout_fd_ = -1;
}

Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0 && !exit_code_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (stdout_fd_ >= 0) ::close(stdout_fd_);
    pid_ = other.pid_;
    stdout_fd_ = other.stdout_fd_;
    exit_code_ = other.exit_code_;
    other.pid_ = -1;
    other.stdout_fd_ = -1;
  }
  return *this;
}

Child::~Child() {
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  if (pid_ > 0 && !exit_code_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

std::optional<int> Child::poll() {
  if (exit_code_ || pid_ <= 0) return exit_code_;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) exit_code_ = decode_status(status);
  return exit_code_;
}

std::optional<int> Child::wait_for(std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (auto rc = poll()) return rc;
    if (std::chrono::steady_clock::now() >= end) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void Child::signal(int sig) {
  if (pid_ > 0 && !poll()) ::kill(pid_, sig);
}

int Child::stop(std::chrono::milliseconds grace) {
  signal(SIGTERM);
  if (auto rc = wait_for(grace)) return *rc;
  signal(SIGKILL);
  return wait_for(std::chrono::milliseconds(10000)).value_or(-1);
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

namespace {

// This process's own directory for the programs' output: made by mkdtemp (mode 0700, a name
// nobody can guess or take first), removed at exit. A fixed name in the shared temporary
// directory would let another local user plant a link there that the output is written through.
class PrivateTempDir {
 public:
  PrivateTempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "streamlab-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw core::RuntimeFailure(fmt::format("cannot make a private directory in {}: {}",
                                             std::filesystem::temp_directory_path().string(), std::strerror(errno)));
    }
    path_ = pattern;
  }
  ~PrivateTempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace

const std::filesystem::path& private_temp_dir() {
  static const PrivateTempDir dir;
  return dir.path();
}

RunResult run_program(const std::vector<std::string>& argv, std::chrono::seconds timeout,
                      const std::vector<std::pair<std::string, std::string>>& env,
                      const std::filesystem::path& stdin_path, const std::function<void(pid_t)>& on_start) {
  static std::atomic<unsigned> serial{0};
  const auto base = private_temp_dir() / fmt::format("run-{}", serial.fetch_add(1));
  ChildSpec spec;
  spec.argv = argv;
  spec.stdin_path = stdin_path;
  spec.stdout_path = base.string() + ".out";
  spec.stderr_path = base.string() + ".err";
  spec.env = env;
  RunResult r;
  const auto start = std::chrono::steady_clock::now();
  {
    Child c = Child::spawn(spec);
    if (on_start) on_start(c.pid());
    auto rc = c.wait_for(timeout);
    r.exit_code = rc ? *rc : (c.stop(std::chrono::milliseconds(2000)), -1);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.out = read_text(spec.stdout_path);
  r.err = read_text(spec.stderr_path);
  std::error_code ec;
  std::filesystem::remove(spec.stdout_path, ec);
  std::filesystem::remove(spec.stderr_path, ec);
  return r;
}

std::optional<std::filesystem::path> find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (::access(name.c_str(), X_OK) == 0) return std::filesystem::path(name);
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    const auto candidate = std::filesystem::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

}  // namespace streamlab::bench

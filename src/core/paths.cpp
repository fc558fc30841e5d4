#include "core/paths.hpp"

#include <cstdlib>
#include <system_error>

namespace streamlab::core {
namespace {

std::filesystem::path from_env(const char* name, const std::filesystem::path& otherwise) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::filesystem::path(v) : otherwise;
}

}  // namespace

std::filesystem::path installed_root(const std::filesystem::path& executable) {
  std::error_code ec;
  auto share = executable.parent_path().parent_path() / "share" / "streamlab";
  return std::filesystem::is_directory(share, ec) ? share : std::filesystem::path{};
}

// STREAMLAB_SOURCE_ROOT is defined for this file alone (CMakeLists.txt), so no other file's
// compile command carries the checkout's path; only a binary that is not installed uses it.
std::filesystem::path project_root() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  auto installed = ec ? std::filesystem::path{} : installed_root(exe);
  return from_env("STREAMLAB_ROOT", installed.empty() ? std::filesystem::path(STREAMLAB_SOURCE_ROOT) : installed);
}

std::filesystem::path web_dist() { return from_env("STREAMLAB_WEB_DIST", project_root() / "web" / "dist"); }

std::filesystem::path default_corpus() {
  return from_env("STREAMLAB_CORPUS", project_root() / "data" / "corpus" / "tweets.jsonl");
}

}  // namespace streamlab::core

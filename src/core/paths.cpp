#include "core/paths.hpp"

#include <cstdlib>

namespace streamlab::core {
namespace {

std::filesystem::path from_env(const char* name, const std::filesystem::path& otherwise) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::filesystem::path(v) : otherwise;
}

}  // namespace

// STREAMLAB_SOURCE_ROOT is defined for this file alone (CMakeLists.txt), so no other file's
// compile command carries the checkout's path.
std::filesystem::path project_root() { return from_env("STREAMLAB_ROOT", STREAMLAB_SOURCE_ROOT); }

std::filesystem::path web_dist() { return from_env("STREAMLAB_WEB_DIST", project_root() / "web" / "dist"); }

std::filesystem::path default_corpus() {
  return from_env("STREAMLAB_CORPUS", project_root() / "data" / "corpus" / "tweets.jsonl");
}

}  // namespace streamlab::core

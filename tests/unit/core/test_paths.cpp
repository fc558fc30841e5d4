// core::paths: the project's files beside an installed binary or under the build's source tree,
// each overridable from the environment.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

#include "core/paths.hpp"
#include "test_locations.hpp"

namespace fs = std::filesystem;
using namespace streamlab;

TEST(Paths, EverythingIsUnderTheSourceTreeByDefault) {
  unsetenv("STREAMLAB_ROOT");
  unsetenv("STREAMLAB_WEB_DIST");
  unsetenv("STREAMLAB_CORPUS");
  EXPECT_EQ(core::project_root(), fs::path(STREAMLAB_SOURCE_DIR));
  EXPECT_TRUE(fs::is_regular_file(core::project_root() / "CMakeLists.txt"));
  EXPECT_EQ(core::web_dist(), fs::path(STREAMLAB_SOURCE_DIR) / "web" / "dist");
  EXPECT_EQ(core::default_corpus(), fs::path(STREAMLAB_SOURCE_DIR) / "data" / "corpus" / "tweets.jsonl");
}

TEST(Paths, TheEnvironmentMovesEachOne) {
  setenv("STREAMLAB_ROOT", "/opt/streamlab", 1);
  EXPECT_EQ(core::web_dist(), fs::path("/opt/streamlab/web/dist"));  // follows the root
  EXPECT_EQ(core::default_corpus(), fs::path("/opt/streamlab/data/corpus/tweets.jsonl"));
  setenv("STREAMLAB_WEB_DIST", "/somewhere/dist", 1);
  setenv("STREAMLAB_CORPUS", "/somewhere/tweets.jsonl", 1);
  EXPECT_EQ(core::web_dist(), fs::path("/somewhere/dist"));
  EXPECT_EQ(core::default_corpus(), fs::path("/somewhere/tweets.jsonl"));
  setenv("STREAMLAB_ROOT", "", 1);  // empty counts as unset
  EXPECT_EQ(core::project_root(), fs::path(STREAMLAB_SOURCE_DIR));
  unsetenv("STREAMLAB_ROOT");
  unsetenv("STREAMLAB_WEB_DIST");
  unsetenv("STREAMLAB_CORPUS");
}

TEST(Paths, AnInstalledBinaryFindsShareStreamlabBesideItsBin) {
  const fs::path prefix = fs::temp_directory_path() / ("streamlab-paths-" + std::to_string(::getpid()));
  fs::create_directories(prefix / "bin");
  EXPECT_EQ(core::installed_root(prefix / "bin" / "streamlab"), fs::path{});  // no share/streamlab yet
  fs::create_directories(prefix / "share" / "streamlab");
  EXPECT_EQ(core::installed_root(prefix / "bin" / "streamlab"), prefix / "share" / "streamlab");
  fs::remove_all(prefix);
  // The test binary itself runs from its build tree, so the source tree is the root.
  EXPECT_EQ(core::installed_root(fs::read_symlink("/proc/self/exe")), fs::path{});
}

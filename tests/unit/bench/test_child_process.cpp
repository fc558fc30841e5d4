// bench::child_process: a program's output is caught in a private directory nobody else can enter.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>

#include "bench/child_process.hpp"

using namespace streamlab::bench;

TEST(BenchChildProcess, OutputIsKeptInAPrivateDirectory) {
  const RunResult r = run_program({"sh", "-c", "echo out; echo err >&2; exit 3"}, std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  const std::filesystem::path& dir = private_temp_dir();
  struct stat st {};
  ASSERT_EQ(::lstat(dir.c_str(), &st), 0) << dir;
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(st.st_uid, ::getuid());
  EXPECT_TRUE(std::filesystem::is_empty(dir));  // nothing left behind
}

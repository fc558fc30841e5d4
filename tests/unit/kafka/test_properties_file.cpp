// kafka::properties_file: kcat's -F properties files.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/errors.hpp"
#include "kafka/properties_file.hpp"

using namespace streamlab;
using kafka::Properties;

namespace {

std::string file_with(const std::string& text, mode_t mode = 0600) {
  static int n = 0;
  const auto path = std::filesystem::temp_directory_path() /
                    ("streamlab-props-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
  return path.string();
}

}  // namespace

TEST(PropertiesFile, PropertiesFileLikeKcats) {
  const std::string path = file_with(
      "# a comment\n\n  bootstrap.servers = h1:9092,h2:9092 \nsasl.jaas.config=a=b c=d\r\n\t# indented comment\n");
  EXPECT_EQ(kafka::read_properties_file(path),
            (Properties{{"bootstrap.servers", "h1:9092,h2:9092"}, {"sasl.jaas.config", "a=b c=d"}}));
  std::filesystem::remove(path);
}

TEST(PropertiesFile, ABadLineOrAMissingFileIsAUsageErrorNamingIt) {
  const std::string path = file_with("client.id=x\nsasl.password hunter2\n");
  try {
    kafka::read_properties_file(path);
    FAIL() << "no error";
  } catch (const core::UsageError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(path + ": line 2 is not key=value"), std::string::npos) << what;
    EXPECT_EQ(what.find("hunter2"), std::string::npos) << what;  // the line is not quoted: it may be a secret
  }
  std::filesystem::remove(path);
  EXPECT_THROW(kafka::read_properties_file(path), core::UsageError);
}

TEST(PropertiesFile, ASecretOthersMayReadIsWarnedAbout) {
  const std::string open = file_with("sasl.password=x\n", 0644), closed = file_with("sasl.password=x\n", 0600),
                    plain = file_with("client.id=x\n", 0644);
  testing::internal::CaptureStderr();
  kafka::read_properties_file(open);
  EXPECT_NE(testing::internal::GetCapturedStderr().find("other users may read it (mode 644)"), std::string::npos);
  testing::internal::CaptureStderr();
  kafka::read_properties_file(closed);
  kafka::read_properties_file(plain);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  for (const auto& p : {open, closed, plain}) std::filesystem::remove(p);
}

TEST(PropertiesFile, TheTextAloneWithoutAFile) {
  const auto parsed = kafka::parse_properties_text("# c\r\n\r\n a = 1 \r\nsasl.password= p=q\r\nlast=x", "f");
  EXPECT_EQ(parsed.properties, (Properties{{"a", "1"}, {"sasl.password", "p=q"}, {"last", "x"}}));
  EXPECT_TRUE(parsed.holds_secret);
  EXPECT_FALSE(kafka::parse_properties_text("client.id=x\n", "f").holds_secret);
  EXPECT_TRUE(kafka::parse_properties_text("", "f").properties.empty());
  try {
    kafka::parse_properties_text("a=1\n#\n\n =secret\n", "props.conf");
    FAIL() << "no error";
  } catch (const core::UsageError& e) {
    EXPECT_STREQ(e.what(), "-F props.conf: line 4 is not key=value");
  }
}

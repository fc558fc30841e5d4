// kafka::client_config: which bootstrap list wins.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "kafka/client_config.hpp"

using namespace streamlab;
using kafka::Properties;

TEST(ClientConfig, BootstrapFromTheFlagThenThePropertiesThenTheEnvironment) {
  Properties props = {{"client.id", "x"}, {"bootstrap.servers", "file:1"}, {"metadata.broker.list", "x:2"}};
  EXPECT_EQ(kafka::choose_bootstrap("flag:9", props), "flag:9");
  EXPECT_EQ(props, (Properties{{"client.id", "x"}}));  // taken out, so they cannot override -b
  props = {{"bootstrap.servers", "file:1"}};
  EXPECT_EQ(kafka::choose_bootstrap("", props), "file:1");
  props = {};
  ::setenv("STREAMLAB_BROKERS", "env:3", 1);
  EXPECT_EQ(kafka::choose_bootstrap("", props), "env:3");
  ::unsetenv("STREAMLAB_BROKERS");
  EXPECT_EQ(kafka::choose_bootstrap("", props), "127.0.0.1:9092");
}

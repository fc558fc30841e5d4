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

// consume's -X reaches its dead letters' producer and its admin client: what librdkafka
// applies only to consumers stays out of them (and the reverse), the rest goes in order.
TEST(ClientConfig, AClientBesideTheCommandsOwnTakesOnlyWhatAppliesToItsType) {
  const kafka::ClientOptions given{"b:1",
                                   {{"fetch.max.bytes", "2000000"},
                                    {"security.protocol", "ssl"},
                                    {"group.instance.id", "a"},
                                    {"linger.ms", "10"},
                                    {"auto.offset.reset", "earliest"},
                                    {"no.such.property", "x"}}};
  const kafka::ClientOptions producer = kafka::for_role(given, RD_KAFKA_PRODUCER);
  EXPECT_EQ(producer.brokers, "b:1");
  EXPECT_EQ(producer.properties,
            (Properties{{"security.protocol", "ssl"}, {"linger.ms", "10"}, {"no.such.property", "x"}}));
  EXPECT_EQ(kafka::for_role(given, RD_KAFKA_CONSUMER).properties, (Properties{{"fetch.max.bytes", "2000000"},
                                                                              {"security.protocol", "ssl"},
                                                                              {"group.instance.id", "a"},
                                                                              {"auto.offset.reset", "earliest"},
                                                                              {"no.such.property", "x"}}));
}

// Partition awareness against a real cluster: where streamlab's client computes each key's
// primary node and where Ignite itself keeps the key (rows inserted by the node's own SQL, then
// found by a local query on each node of a cache without backups) must agree, and single-key
// requests go straight to that node. Needs two or more nodes: fault.test_ignite_failover starts
// a cluster and runs this test against it with STREAMLAB_IGNITE_CLUSTER=ignite://a,b; without
// it the test is skipped.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ignite/client.hpp"
#include "ignite/uri.hpp"

using namespace streamlab::ignite;

namespace {

constexpr int kRows = 200;

std::string unique(const char* what) { return std::string("PA_") + what + "_" + std::to_string(::getpid()); }

using NodeKey = std::pair<std::uint64_t, std::uint64_t>;
NodeKey key_of(const Uuid& u) { return {u.most_significant, u.least_significant}; }

}  // namespace

class IgnitePartitionAwareness : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* cluster = std::getenv("STREAMLAB_IGNITE_CLUSTER");
    if (cluster == nullptr) GTEST_SKIP() << "needs a cluster: fault.test_ignite_failover runs it against one";
    uri_ = parse_uri(cluster);
    ASSERT_GE(uri_.addresses.size(), 2u);
  }

  // Which node keeps each row of `table` (a cache without backups): a local query on each node.
  std::map<std::int64_t, NodeKey> where_ignite_keeps(const std::string& table, const std::string& key_column) {
    std::map<std::int64_t, NodeKey> where;
    for (const Address& a : uri_.addresses) {
      ClientOptions one = uri_.client_options();
      one.addresses = {a};
      Client node(one);
      node.connect();
      EXPECT_TRUE(node.node_id().has_value());
      const SqlResult local = node.sql_fields("", "SELECT " + key_column + " FROM " + table, {}, 1024, true);
      for (const auto& row : local.rows) {
        const std::int64_t k = row[0].is<std::int32_t>() ? row[0].as<std::int32_t>() : row[0].as<std::int64_t>();
        EXPECT_FALSE(where.contains(k)) << k << " on two nodes";
        where[k] = key_of(*node.node_id());
      }
    }
    return where;
  }

  IgniteUri uri_;
};

TEST_F(IgnitePartitionAwareness, IntegerKeysArePlacedWhereIgniteKeepsThem) {
  Client c(uri_.client_options());
  c.connect();
  const std::string table = unique("INT");
  c.sql_fields("",
               "CREATE TABLE " + table + " (K INT PRIMARY KEY, V VARCHAR) WITH \"backups=0,cache_name=" + table + "\"");
  for (int k = 0; k < kRows; ++k) {
    c.sql_fields("", "INSERT INTO " + table + " (K, V) VALUES (?, ?)",
                 std::vector<Value>{Value(std::int32_t{k}), Value("v")});
  }
  const auto where = where_ignite_keeps(table, "K");
  ASSERT_EQ(where.size(), static_cast<std::size_t>(kRows));
  std::set<NodeKey> nodes;
  for (const auto& [k, node] : where) {
    const auto predicted = c.primary_of(table, Value(static_cast<std::int32_t>(k)));
    ASSERT_TRUE(predicted.has_value()) << k;
    EXPECT_EQ(key_of(*predicted), node) << "key " << k;
    nodes.insert(node);
  }
  EXPECT_EQ(nodes.size(), uri_.addresses.size());  // the keys are spread over every node
  c.sql_fields("", "DROP TABLE " + table);
}

TEST_F(IgnitePartitionAwareness, TheSinksCompositeKeysArePlacedWhereIgniteKeepsThem) {
  Client c(uri_.client_options());
  c.connect();
  const std::string table = unique("KEY");
  const std::string key_type = "streamlab.PaKey" + std::to_string(::getpid());
  c.sql_fields("", "CREATE TABLE " + table +
                       " (TOPIC VARCHAR, KAFKA_PARTITION INT, KAFKA_OFFSET BIGINT, V VARCHAR, PRIMARY KEY (TOPIC, "
                       "KAFKA_PARTITION, KAFKA_OFFSET)) WITH \"backups=0,cache_name=" +
                       table + ",key_type=" + key_type + ",value_type=" + key_type + "Row\"");
  for (int k = 0; k < kRows; ++k) {
    c.sql_fields("", "INSERT INTO " + table + " (TOPIC, KAFKA_PARTITION, KAFKA_OFFSET, V) VALUES (?, ?, ?, ?)",
                 std::vector<Value>{Value("topic"), Value(std::int32_t{k % 3}), Value(std::int64_t{k}), Value("v")});
  }
  const auto type = std::make_shared<const BinaryType>(
      key_type,
      std::vector<std::pair<std::string, TypeCode>>{
          {"TOPIC", TypeCode::kString}, {"KAFKA_PARTITION", TypeCode::kInt}, {"KAFKA_OFFSET", TypeCode::kLong}});
  const auto where = where_ignite_keeps(table, "KAFKA_OFFSET");
  ASSERT_EQ(where.size(), static_cast<std::size_t>(kRows));
  for (const auto& [k, node] : where) {
    const Value key = BinaryObject{type, {Value("topic"), Value(static_cast<std::int32_t>(k % 3)), Value(k)}};
    const auto predicted = c.primary_of(table, key);
    ASSERT_TRUE(predicted.has_value()) << k;
    EXPECT_EQ(key_of(*predicted), node) << "offset " << k;
  }
  c.sql_fields("", "DROP TABLE " + table);
}

TEST_F(IgnitePartitionAwareness, SingleKeyRequestsGoToThePrimaryNode) {
  Client c(uri_.client_options());
  c.connect();
  const std::string cache = unique("KV");
  CacheConfig config;
  config.name = cache;
  config.backups = 0;
  c.cache_get_or_create(config);
  for (int k = 0; k < kRows; ++k) c.put(cache, Value(std::int32_t{k}), Value(std::int32_t{k * 2}));
  // About half the keys have their primary on a node other than the one connected to.
  EXPECT_GT(c.routed_requests(), static_cast<std::uint64_t>(kRows / 4));
  EXPECT_LT(c.routed_requests(), static_cast<std::uint64_t>(kRows));
  for (int k = 0; k < kRows; ++k) {
    EXPECT_EQ(c.get(cache, Value(std::int32_t{k})), Value(std::int32_t{k * 2})) << k;
  }
  EXPECT_TRUE(c.put_if_absent(cache, Value(std::int32_t{kRows}), Value(std::int32_t{1})));
  EXPECT_FALSE(c.put_if_absent(cache, Value(std::int32_t{kRows}), Value(std::int32_t{2})));
  EXPECT_TRUE(c.replace_if_equals(cache, Value(std::int32_t{kRows}), Value(std::int32_t{1}), Value(std::int32_t{3})));

  // Without partition awareness every request goes through the node connected to.
  ClientOptions plain = uri_.client_options();
  plain.partition_awareness = false;
  Client p(plain);
  p.connect();
  EXPECT_EQ(p.get(cache, Value(std::int32_t{kRows})), Value(std::int32_t{3}));
  EXPECT_EQ(p.routed_requests(), 0u);
  c.cache_destroy(cache);
}

// ignite::affinity: a key's partition as Ignite's RendezvousAffinityFunction computes it, Java's
// hash codes of keys, and OP_CACHE_PARTITIONS' answer. The values here are worked by hand from
// the Java definitions; the cluster test (fault.test_ignite_failover) checks them against where
// a real two-node cluster keeps each key.
#include <gtest/gtest.h>

#include <memory>

#include "ignite/affinity.hpp"
#include "ignite/errors.hpp"
#include "ignite/hashing.hpp"

using namespace streamlab::ignite;

namespace {

const Uuid kNodeA{0x1111, 0x2222};
const Uuid kNodeB{0x3333, 0x4444};

// An answer to OP_CACHE_PARTITIONS: one group (caches 77 and 78, the first with an affinity
// field 10 for key type 9) whose four partitions are split between two nodes, and cache 88 in
// the group of caches the client cannot compute.
std::vector<std::uint8_t> sample_answer() {
  Writer w(256);
  w.i64(5);  // topology version
  w.i32(1);
  w.i32(2);  // groups
  w.boolean(true);
  w.i32(2);  // caches
  w.i32(77);
  w.i32(1);  // key configurations
  w.i32(9);
  w.i32(10);
  w.i32(78);
  w.i32(0);
  w.i32(2);  // nodes
  w.value(Value(kNodeA));
  w.i32(2);
  w.i32(0);
  w.i32(2);
  w.value(Value(kNodeB));
  w.i32(2);
  w.i32(3);
  w.i32(1);
  w.boolean(false);
  w.i32(1);
  w.i32(88);
  return w.take();
}

}  // namespace

TEST(Affinity, RendezvousPartitionAsIgniteComputesIt) {
  EXPECT_EQ(rendezvous_partition(0, 1024), 0);
  EXPECT_EQ(rendezvous_partition(1, 1024), 1);
  // 0x12345678 ^ 0x1234 = 0x1234444C; & 1023 = 0x04C.
  EXPECT_EQ(rendezvous_partition(0x12345678, 1024), 76);
  // Negative hashes: the shift is unsigned (>>>).
  EXPECT_EQ(rendezvous_partition(-1, 1024), 0);  // 0xFFFFFFFF ^ 0x0000FFFF = 0xFFFF0000
  EXPECT_EQ(rendezvous_partition(-2, 1024), 1);  // 0xFFFFFFFE ^ 0x0000FFFF = 0xFFFF0001
  // Not a power of two: |h % parts|, the remainder taking the dividend's sign as in Java.
  EXPECT_EQ(rendezvous_partition(-7, 5), 2);
  EXPECT_EQ(rendezvous_partition(7, 5), 2);
  EXPECT_EQ(rendezvous_partition(std::numeric_limits<std::int32_t>::min(), 1000), 648);
}

TEST(Affinity, JavaHashCodesOfKeys) {
  const std::map<std::int32_t, std::int32_t> none;
  EXPECT_EQ(affinity_hash(Value(std::int32_t{42}), none), 42);
  EXPECT_EQ(affinity_hash(Value(std::int32_t{-3}), none), -3);
  EXPECT_EQ(affinity_hash(Value(std::int16_t{-3}), none), -3);
  EXPECT_EQ(affinity_hash(Value((std::int64_t{1} << 32) | 5), none), 4);  // Long.hashCode: 5 ^ 1
  EXPECT_EQ(affinity_hash(Value(std::int64_t{-1}), none), 0);
  EXPECT_EQ(affinity_hash(Value("a"), none), 97);
  EXPECT_EQ(affinity_hash(Value("topic"), none), java_hash("topic"));
  EXPECT_EQ(affinity_hash(Value(true), none), 1231);
  EXPECT_EQ(affinity_hash(Value(false), none), 1237);
  EXPECT_EQ(affinity_hash(Value(Uuid{1, 2}), none), 3);
  EXPECT_EQ(affinity_hash(Value(1.5), none), std::nullopt);  // not computed here: any node
}

TEST(Affinity, ABinaryKeyHashesByItsHeaderOrItsAffinityField) {
  const auto type = std::make_shared<const BinaryType>(
      "streamlab.TestKey",
      std::vector<std::pair<std::string, TypeCode>>{{"TOPIC", TypeCode::kString}, {"KAFKA_PARTITION", TypeCode::kInt}});
  const BinaryObject key{type, {Value("t"), Value(std::int32_t{3})}};
  // The header's hash: Arrays.hashCode over the field data, as the writer puts it there.
  Writer w(64);
  w.object(key);
  const auto bytes = w.take();
  const std::int32_t header = static_cast<std::int32_t>(bytes[8] | bytes[9] << 8 | bytes[10] << 16 | bytes[11] << 24);
  EXPECT_EQ(affinity_hash(Value(key), {}), header);
  EXPECT_NE(header, 0);
  // With KAFKA_PARTITION as the type's affinity field: that field's hash.
  EXPECT_EQ(affinity_hash(Value(key), {{type->id(), name_id("KAFKA_PARTITION")}}), 3);
  // An affinity field the object lacks: cannot be told.
  EXPECT_EQ(affinity_hash(Value(key), {{type->id(), name_id("NOPE")}}), std::nullopt);
}

TEST(Affinity, ReadsTheCachePartitionsAnswer) {
  const auto answer = sample_answer();
  Reader r(answer);
  const PartitionMap map = read_cache_partitions(r);
  EXPECT_TRUE(r.at_end());
  EXPECT_EQ(map.version, (AffinityVersion{5, 1}));
  ASSERT_EQ(map.caches.size(), 3u);
  ASSERT_TRUE(map.caches.at(77).has_value());
  const CacheAffinity& c = *map.caches.at(77);
  ASSERT_EQ(c.primary->size(), 4u);  // partitions 0..3
  EXPECT_EQ(*c.primary, (std::vector<Uuid>{kNodeA, kNodeB, kNodeA, kNodeB}));
  EXPECT_EQ(c.key_fields.at(9), 10);
  EXPECT_TRUE(map.caches.at(78)->key_fields.empty());
  EXPECT_EQ(map.caches.at(78)->primary, c.primary);  // one map for the group
  EXPECT_FALSE(map.caches.at(88).has_value());

  // Keys 0..3 land in partitions 0..3 (4 partitions: (h ^ h >>> 16) & 3).
  for (std::int32_t k = 0; k < 4; ++k) {
    EXPECT_EQ(primary_node(c, Value(k)), k % 2 == 0 ? kNodeA : kNodeB) << k;
  }
  EXPECT_EQ(primary_node(c, Value(2.5)), std::nullopt);
}

TEST(Affinity, AMalformedAnswerIsAProtocolError) {
  auto answer = sample_answer();
  for (std::size_t cut = 0; cut < answer.size(); ++cut) {
    Reader r(std::span<const std::uint8_t>(answer).first(cut));
    EXPECT_THROW(read_cache_partitions(r), ProtocolError) << "cut at " << cut;
  }
  Writer w(64);
  w.i64(1);
  w.i32(0);
  w.i32(1);
  w.boolean(true);
  w.i32(0);
  w.i32(1);
  w.value(Value(kNodeA));
  w.i32(1);
  w.i32(70000);  // no cache has that many partitions
  const auto bad = w.take();
  Reader r(bad);
  EXPECT_THROW(read_cache_partitions(r), ProtocolError);

  // Groups of one node with partition 65535 each: a few bytes per 65,536 partitions mapped.
  Writer many(4096);
  many.i64(1);
  many.i32(0);
  many.i32(20);
  for (int g = 0; g < 20; ++g) {
    many.boolean(true);
    many.i32(0);
    many.i32(1);
    many.value(Value(kNodeA));
    many.i32(1);
    many.i32(65535);
  }
  const auto hostile = many.take();
  Reader h(hostile);
  EXPECT_THROW(read_cache_partitions(h), ProtocolError);
}

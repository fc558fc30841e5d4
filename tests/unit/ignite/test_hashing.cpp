// ignite::hashing: values computed with Ignite 2.17's own BinaryBasicIdMapper and
// String.hashCode.

#include <gtest/gtest.h>

#include <cstdint>

#include "ignite/hashing.hpp"

using namespace streamlab::ignite;

TEST(IgniteHashing, JavaStringHashOfCacheNames) {
  EXPECT_EQ(java_hash(""), 0);
  EXPECT_EQ(java_hash("a"), 97);
  EXPECT_EQ(java_hash("hello"), 99162322);
  EXPECT_EQ(java_hash("Hello"), 69609650);
  EXPECT_EQ(java_hash("my-cache"), -1910710239);
  EXPECT_EQ(java_hash("SQL_PUBLIC_T"), -1578586257);
  // Non-ASCII: hashed over UTF-16 code units, the emoji as a surrogate pair.
  EXPECT_EQ(java_hash("caché💥"), 542102158);
}

TEST(IgniteHashing, LowerCaseNameIdsOfTypesAndFields) {
  EXPECT_EQ(name_id("hello"), 99162322);
  EXPECT_EQ(name_id("Hello"), 99162322);
  EXPECT_EQ(name_id("topic"), 110546223);
  EXPECT_EQ(name_id("TOPIC"), 110546223);
  EXPECT_EQ(name_id("PARTITION"), -1799810326);
  EXPECT_EQ(name_id("KAFKA_OFFSET"), -1329679412);
  EXPECT_EQ(name_id("streamlab.Row"), -1256393095);
  EXPECT_EQ(name_id("STREAMLAB.ROW"), -1256393095);
  EXPECT_EQ(name_id("java.lang.String"), 2111392325);
  EXPECT_EQ(name_id("SQL_PUBLIC_PERSON_1234"), -905471961);
  EXPECT_EQ(name_id("ñandú"), 225567348);
  EXPECT_EQ(name_id("ÀÉ"), 7177);
  EXPECT_EQ(name_id("streamlab.SmokeKey"), -1450673839);
}

TEST(IgniteHashing, SchemaIdAndDataHash) {
  EXPECT_EQ(schema_id({}), 0);
  const std::int32_t ids[] = {name_id("TOPIC"), name_id("PART"), name_id("OFFS")};
  EXPECT_EQ(schema_id(ids), 724503203);  // as the server wrote it for this key
  EXPECT_EQ(data_hash({}), 1);
  const std::uint8_t bytes[] = {1, 2, 0xFF};
  EXPECT_EQ(data_hash(bytes), ((31 * 1 + 1) * 31 + 2) * 31 - 1);
}

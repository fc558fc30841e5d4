#pragma once
// The hash functions Ignite's binary format is keyed by. All of them must give exactly the
// values Ignite's Java code gives, or caches, types and fields are not found.

#include <cstdint>
#include <span>
#include <string_view>

namespace streamlab::ignite {

// Java's String.hashCode() of the UTF-8 text (hashed over its UTF-16 code units, as Java does):
// the cache id of a cache name. Give valid UTF-8: an invalid byte counts as one U+FFFD.
std::int32_t java_hash(std::string_view utf8);

// The id of a type or field name under Ignite's default id mapper: Java's hash of the name with
// each UTF-16 unit lower-cased (Character.toLowerCase). Lower-casing is exact for ASCII,
// Latin-1, Greek and basic Cyrillic capitals; names in other cased scripts are not lower-cased.
std::int32_t name_id(std::string_view utf8);

// Schema id of an ordered list of field ids (FNV-1 over their little-endian bytes); 0 for none.
std::int32_t schema_id(std::span<const std::int32_t> field_ids);

// Hash code of a complex object: Java's Arrays.hashCode over its field data (the bytes between
// the 24-byte header and the footer), as BinaryArrayIdentityResolver computes it. Keys built
// here and keys built by the server (SQL INSERT) must agree on it to be the same key.
std::int32_t data_hash(std::span<const std::uint8_t> bytes);

}  // namespace streamlab::ignite

#include "ignite/affinity.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "ignite/errors.hpp"
#include "ignite/hashing.hpp"

namespace streamlab::ignite {
namespace {

// Where a complex object's header keeps its hash: after the type code, the version, the flags
// and the type id.
constexpr std::size_t kObjectHashOffset = 8;

std::int32_t java_long_hash(std::int64_t v) {
  const auto u = static_cast<std::uint64_t>(v);
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(u ^ (u >> 32)));
}

std::int32_t object_hash(const BinaryObject& o) {
  Writer w(64);
  w.object(o);
  const auto bytes = w.take();
  std::uint32_t h = 0;
  for (std::size_t i = 0; i < 4; ++i) h |= std::uint32_t{bytes[kObjectHashOffset + i]} << (8 * i);
  return static_cast<std::int32_t>(h);
}

Uuid read_uuid(Reader& r) {
  const Value v = r.value();
  if (!v.is<Uuid>()) throw ProtocolError("cache partitions: a node id is not a UUID");
  return v.as<Uuid>();
}

}  // namespace

void write_cache_partitions_request(Writer& w, std::span<const std::int32_t> cache_ids) {
  w.i32(static_cast<std::int32_t>(cache_ids.size()));
  for (const std::int32_t id : cache_ids) w.i32(id);
}

PartitionMap read_cache_partitions(Reader& r) {
  PartitionMap map;
  map.version.major = r.i64();
  map.version.minor = r.i32();
  const std::size_t groups = r.count(5, "partition groups");
  std::size_t mapped = 0;  // partitions of all groups so far
  for (std::size_t g = 0; g < groups; ++g) {
    const bool applicable = r.boolean();
    const std::size_t caches = r.count(4, "caches of a partition group");
    if (!applicable) {
      for (std::size_t c = 0; c < caches; ++c) map.caches[r.i32()] = std::nullopt;
      continue;
    }
    std::vector<std::pair<std::int32_t, std::map<std::int32_t, std::int32_t>>> members;
    for (std::size_t c = 0; c < caches; ++c) {
      const std::int32_t cache_id = r.i32();
      std::map<std::int32_t, std::int32_t> key_fields;
      const std::size_t keys = r.count(8, "key configurations");
      for (std::size_t k = 0; k < keys; ++k) {
        const std::int32_t type_id = r.i32();
        key_fields[type_id] = r.i32();
      }
      members.emplace_back(cache_id, std::move(key_fields));
    }
    auto primary = std::make_shared<std::vector<Uuid>>();
    const std::size_t nodes = r.count(21, "nodes of a partition group");
    for (std::size_t n = 0; n < nodes; ++n) {
      const Uuid node = read_uuid(r);
      const std::size_t partitions = r.count(4, "partitions of a node");
      for (std::size_t p = 0; p < partitions; ++p) {
        const std::int32_t partition = r.i32();
        // Ignite's caches have at most 65,536 partitions.
        if (partition < 0 || partition >= 65536) {
          throw ProtocolError(fmt::format("cache partitions: partition {} out of range", partition));
        }
        if (static_cast<std::size_t>(partition) >= primary->size()) {
          mapped += partition + 1 - primary->size();
          if (mapped > kMaxMappedPartitions) {
            throw ProtocolError(fmt::format("cache partitions: more than {} partitions", kMaxMappedPartitions));
          }
          primary->resize(partition + 1);
        }
        (*primary)[partition] = node;
      }
    }
    for (auto& [cache_id, key_fields] : members) {
      map.caches[cache_id] = CacheAffinity{primary, std::move(key_fields)};
    }
  }
  return map;
}

std::optional<std::int32_t> affinity_hash(const Value& key, const std::map<std::int32_t, std::int32_t>& key_fields) {
  return std::visit(
      [&](const auto& v) -> std::optional<std::int32_t> {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          return v ? 1231 : 1237;  // Boolean.hashCode
        } else if constexpr (std::is_same_v<T, std::int8_t> || std::is_same_v<T, std::int16_t> ||
                             std::is_same_v<T, std::int32_t>) {
          return std::int32_t{v};
        } else if constexpr (std::is_same_v<T, Char>) {
          return static_cast<std::int32_t>(v.unit);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return java_long_hash(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return java_hash(v);
        } else if constexpr (std::is_same_v<T, Uuid>) {
          return java_long_hash(static_cast<std::int64_t>(v.most_significant ^ v.least_significant));
        } else if constexpr (std::is_same_v<T, BinaryObject>) {
          if (const auto f = key_fields.find(v.type->id()); f != key_fields.end()) {
            const int index = v.type->index_of_id(f->second);
            if (index < 0 || static_cast<std::size_t>(index) >= v.values.size()) return std::nullopt;
            return affinity_hash(v.values[index], {});
          }
          return object_hash(v);
        } else {
          return std::nullopt;
        }
      },
      key.data);
}

std::int32_t rendezvous_partition(std::int32_t hash, std::int32_t partitions) {
  if (partitions <= 0) return 0;
  const auto h = static_cast<std::uint32_t>(hash);
  if ((partitions & (partitions - 1)) == 0) {
    return static_cast<std::int32_t>((h ^ (h >> 16)) & static_cast<std::uint32_t>(partitions - 1));
  }
  const std::int32_t r = hash % partitions;  // C++ and Java agree: the sign of the dividend
  return r < 0 ? -r : r;
}

std::optional<Uuid> primary_node(const CacheAffinity& cache, const Value& key) {
  if (!cache.primary || cache.primary->empty()) return std::nullopt;
  const auto hash = affinity_hash(key, cache.key_fields);
  if (!hash) return std::nullopt;
  const auto partition =
      static_cast<std::size_t>(rendezvous_partition(*hash, static_cast<std::int32_t>(cache.primary->size())));
  const Uuid node = (*cache.primary)[partition];
  if (node == Uuid{}) return std::nullopt;
  return node;
}

}  // namespace streamlab::ignite

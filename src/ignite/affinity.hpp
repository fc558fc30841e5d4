#pragma once
// Partition awareness (binary client protocol 1.4+): which node holds a key's primary copy, so
// that a single-key request goes straight to it instead of through the node the client happens
// to use. OP_CACHE_PARTITIONS tells, per cache, each partition's primary node and (for types
// with an affinity key field) which field of the key decides; the key's partition is computed
// here as Ignite's RendezvousAffinityFunction does. Pure functions over values and bytes.

#include <compare>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "ignite/codec.hpp"
#include "ignite/value.hpp"

namespace streamlab::ignite {

// The cluster's affinity topology version: it changes when nodes join or leave (and partitions
// move); a response whose header carries a newer one makes a partition map stale.
struct AffinityVersion {
  std::int64_t major = 0;
  std::int32_t minor = 0;
  auto operator<=>(const AffinityVersion&) const = default;
};

// One cache's partitions: the primary node of each (index = partition; a nil UUID where the
// answer named none), and the affinity key field of the key types that have one.
struct CacheAffinity {
  std::shared_ptr<const std::vector<Uuid>> primary;  // shared by the caches of one group
  std::map<std::int32_t, std::int32_t> key_fields;   // key type id -> affinity field id
};

struct PartitionMap {
  AffinityVersion version;
  // By cache id; nullopt for a cache whose partitions the client cannot compute (not
  // partitioned, or a custom affinity function): its requests go to any node.
  std::map<std::int32_t, std::optional<CacheAffinity>> caches;
};

// OP_CACHE_PARTITIONS' request: the caches asked about.
void write_cache_partitions_request(Writer& w, std::span<const std::int32_t> cache_ids);
// Its answer (protocol 1.4+, without the "all mappings" feature): the topology version, then
// groups of caches sharing one assignment. Throws ProtocolError on a malformed one, and on one
// whose groups add up to more than kMaxMappedPartitions partitions (a cluster has a few
// thousand; hostile bytes must not make the client allocate without bound).
inline constexpr std::size_t kMaxMappedPartitions = std::size_t{1} << 20;
PartitionMap read_cache_partitions(Reader& r);

// Java's hashCode of a key as Ignite's affinity takes it: ints and smaller as their value,
// long as (int)(v ^ v >>> 32), String over its UTF-16 units, UUID, bool, and a binary object by
// the hash in its header (or, if its type has an affinity field in `key_fields`, that field's
// hash). nullopt for a key whose hash this client does not compute (floats, dates, arrays...).
std::optional<std::int32_t> affinity_hash(const Value& key, const std::map<std::int32_t, std::int32_t>& key_fields);

// RendezvousAffinityFunction.calculatePartition: with a power-of-two partition count,
// (h ^ h >>> 16) & (parts - 1); otherwise |h % parts|.
std::int32_t rendezvous_partition(std::int32_t hash, std::int32_t partitions);

// The primary node of `key` in `cache`, or nullopt when it cannot be told.
std::optional<Uuid> primary_node(const CacheAffinity& cache, const Value& key);

}  // namespace streamlab::ignite

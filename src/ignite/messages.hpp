#pragma once
// Messages of the binary client protocol: the handshake, request framing (length, op code,
// request id), the response header (request id, flags or status, error message) and the bodies
// of the operations the client uses. Pure functions over bytes, no I/O: the fuzz target feeds
// the decoders arbitrary bytes.

#include <compare>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "ignite/affinity.hpp"
#include "ignite/codec.hpp"
#include "ignite/value.hpp"

namespace streamlab::ignite {

struct ProtocolVersion {
  std::int16_t major = 0;
  std::int16_t minor = 0;
  std::int16_t patch = 0;
  auto operator<=>(const ProtocolVersion&) const = default;
  std::string to_string() const;
};

inline constexpr ProtocolVersion kProtocol1_7{1, 7, 0};  // feature bitmask in the handshake
inline constexpr ProtocolVersion kProtocol1_5{1, 5, 0};  // transactions
inline constexpr ProtocolVersion kProtocol1_4{1, 4, 0};  // flags in the response header
inline constexpr ProtocolVersion kProtocol1_2{1, 2, 0};  // oldest this client speaks

namespace op {
inline constexpr std::int16_t kResourceClose = 0;
inline constexpr std::int16_t kCacheGet = 1000;
inline constexpr std::int16_t kCachePut = 1001;
inline constexpr std::int16_t kCachePutIfAbsent = 1002;
inline constexpr std::int16_t kCacheGetAll = 1003;
inline constexpr std::int16_t kCachePutAll = 1004;
inline constexpr std::int16_t kCacheReplaceIfEquals = 1010;
inline constexpr std::int16_t kCacheContainsKey = 1011;
inline constexpr std::int16_t kCacheClear = 1013;
inline constexpr std::int16_t kCacheRemoveKey = 1016;
inline constexpr std::int16_t kCacheRemoveKeys = 1018;
inline constexpr std::int16_t kCacheGetSize = 1020;
inline constexpr std::int16_t kCacheGetNames = 1050;
inline constexpr std::int16_t kCachePartitions = 1101;
inline constexpr std::int16_t kCacheGetOrCreateWithName = 1052;
inline constexpr std::int16_t kCacheGetOrCreateWithConfiguration = 1054;
inline constexpr std::int16_t kCacheDestroy = 1056;
inline constexpr std::int16_t kQuerySqlFields = 2004;
inline constexpr std::int16_t kQuerySqlFieldsCursorGetPage = 2005;
inline constexpr std::int16_t kGetBinaryType = 3002;
inline constexpr std::int16_t kPutBinaryType = 3003;
inline constexpr std::int16_t kTxStart = 4000;
inline constexpr std::int16_t kTxEnd = 4001;
inline constexpr std::int16_t kClusterGetState = 5000;
inline constexpr std::int16_t kClusterChangeState = 5001;
}  // namespace op

// Feature bits this client announces in the 1.7 handshake: 2 = cluster API (get/change state).
inline constexpr std::uint8_t kClientFeatures[] = {0x04};

// ---------------------------------------------------------------------------------------------
// Handshake

// The whole handshake message, length prefix included.
std::vector<std::uint8_t> encode_handshake(ProtocolVersion version, const std::optional<std::string>& user,
                                           const std::optional<std::string>& password);

struct HandshakeResponse {
  bool accepted = false;
  // When refused: the version the server speaks, its message and (1.7+) its status code.
  ProtocolVersion server_version;
  std::string error;
  std::int32_t status = 0;
  // When accepted (1.7+): the server's feature bitmask and (1.4+) its node id.
  std::vector<std::uint8_t> features;
  std::optional<Uuid> node_id;
};

// `body`: the response after its 4-byte length.
HandshakeResponse decode_handshake(std::span<const std::uint8_t> body, ProtocolVersion requested);

// ---------------------------------------------------------------------------------------------
// Requests and the response header

// One framed request: the 4-byte length (patched by finish), op code, request id, then what the
// caller writes into body().
class Request {
 public:
  Request(std::int16_t op_code, std::int64_t request_id, std::size_t reserve = 64);
  Writer& body() { return w_; }
  std::vector<std::uint8_t> finish();

 private:
  Writer w_;
};

// Response header flags (1.4+).
namespace response_flags {
inline constexpr std::int16_t kError = 0x01;
inline constexpr std::int16_t kAffinityTopologyChanged = 0x02;
inline constexpr std::int16_t kNotification = 0x04;
}  // namespace response_flags

struct ResponseHeader {
  std::int64_t request_id = 0;
  std::int16_t flags = 0;
  // A server-initiated notification (continuous query, compute task), not an answer.
  bool notification = false;
  std::int16_t notification_op = 0;
  // The cluster's affinity topology version, when it changed since this connection's last answer.
  std::optional<AffinityVersion> topology;
  std::int32_t status = 0;  // 0 = success
  std::string error;        // when status != 0
};

// Reads the header at the start of a response body (the bytes after its 4-byte length); the
// reader is left at the operation's own data.
ResponseHeader read_response_header(Reader& r, ProtocolVersion version);

// ---------------------------------------------------------------------------------------------
// Operation bodies

// Cache operations start with the cache id and a flags byte, then (in a transaction) the
// transaction id.
void write_cache_header(Writer& w, std::int32_t cache_id, std::optional<std::int32_t> tx_id);

// OP_CACHE_GET_ALL: entry count, then key and value of each.
std::vector<Entry> read_entries(Reader& r);

// The conditional writes (key-value-queries.adoc), after the cache header:
// OP_CACHE_PUT_IF_ABSENT: key, value. OP_CACHE_REPLACE_IF_EQUALS: key, the value to compare
// with the stored one, the new value. Each answers one bool: whether it wrote.
void write_put_if_absent(Writer& w, std::int32_t cache_id, std::optional<std::int32_t> tx_id, const Value& key,
                         const Value& value);
void write_replace_if_equals(Writer& w, std::int32_t cache_id, std::optional<std::int32_t> tx_id, const Value& key,
                             const Value& expected, const Value& value);
bool read_written_flag(Reader& r);

struct CacheConfig {
  std::string name;
  enum class Atomicity : std::int32_t { kTransactional = 0, kAtomic = 1 };
  enum class Mode : std::int32_t { kReplicated = 1, kPartitioned = 2 };
  std::optional<Atomicity> atomicity;
  std::optional<Mode> mode;
  std::optional<std::int32_t> backups;
  std::optional<std::string> sql_schema;
};
// OP_CACHE_GET_OR_CREATE_WITH_CONFIGURATION: config length, property count, properties.
void write_cache_config(Writer& w, const CacheConfig& config);

struct SqlFieldsRequest {
  std::optional<std::string> schema;
  std::string sql;
  std::span<const Value> args;
  std::int32_t page_size = 1024;
  std::int32_t max_rows = -1;  // -1: no limit
  std::int64_t timeout_ms = 0;
  bool local = false;  // only the connected node's data
};
// OP_QUERY_SQL_FIELDS after the cache header (cache id 0: the schema decides).
void write_sql_fields(Writer& w, const SqlFieldsRequest& q);

// One page of an SQL fields query result.
struct SqlPage {
  std::int64_t cursor_id = 0;
  std::vector<std::string> columns;  // first page only (names are requested)
  std::vector<std::vector<Value>> rows;
  bool more = false;
};
// The first page (OP_QUERY_SQL_FIELDS): cursor id, column count, names, rows, more.
SqlPage read_sql_first_page(Reader& r);
// A later page (OP_QUERY_SQL_FIELDS_CURSOR_GET_PAGE): rows of `columns` values, more.
SqlPage read_sql_next_page(Reader& r, std::size_t columns);

// Binary type metadata (OP_PUT_BINARY_TYPE, OP_GET_BINARY_TYPE).
struct TypeMetadata {
  std::int32_t type_id = 0;
  std::string type_name;
  std::optional<std::string> affinity_key;
  std::vector<BinaryField> fields;
  bool is_enum = false;
  std::vector<std::pair<std::string, std::int32_t>> enum_values;
  std::vector<std::pair<std::int32_t, std::vector<std::int32_t>>> schemas;  // schema id, field ids
};
TypeMetadata metadata_of(const BinaryType& type);
void write_type_metadata(Writer& w, const TypeMetadata& m);
// OP_GET_BINARY_TYPE's answer: a bool (known?), then the metadata.
std::optional<TypeMetadata> read_type_metadata_response(Reader& r);
// The type as laid out by one of the metadata's schemas (names from its field list), or null if
// the metadata has no such schema.
std::shared_ptr<const BinaryType> type_for_schema(const TypeMetadata& m, std::int32_t schema_id);

}  // namespace streamlab::ignite

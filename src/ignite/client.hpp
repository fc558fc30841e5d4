#pragma once
// A thin client of Apache Ignite 2.x over its binary client protocol (1.7.0; an older server's
// version down to 1.2.0 is accepted when it names it in the handshake): caches, key-value
// operations (conditional writes included), SQL fields queries with cursor paging, binary types
// and transactions.
//
// One Client is one connection to one of its addresses (plus, with several, one to each other
// node for the single-key requests partition awareness sends there), used by one thread at a
// time; requests are sent one after the other. Errors (errors.hpp): a ConnectionError closes the
// connection, and the client stays closed until connect() is called again (the Ignite sink
// does, under the sink runner's backoff); one on another node's connection closes just that one,
// whose keys then go through the first; a ServerError leaves the connection usable; a
// ProtocolError closes it.
//
// Complex objects: a BinaryObject's type is registered with the cluster (its metadata: field
// names, type codes, schema) before the first request of this connection that carries it, so
// that SQL and other clients (pyignite, Java) can read the object's fields by name.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ignite/address.hpp"
#include "ignite/codec.hpp"
#include "ignite/messages.hpp"
#include "ignite/value.hpp"
#include "net/stream.hpp"

namespace streamlab::ignite {

class Connection;
class Client;

struct ClientOptions {
  // The cluster's nodes: connect() tries them in turn, starting from the one it last reached, so
  // a client outlives any node but the last.
  std::vector<Address> addresses{Address{}};
  std::optional<std::string> user;
  std::optional<std::string> password;
  net::TlsOptions tls;
  std::chrono::milliseconds connect_timeout{5000};
  // For one request to be answered; a timed-out request closes the connection.
  std::chrono::milliseconds request_timeout{60000};
  // The largest response accepted: a page of SQL rows or a batch's get_all is a few MB.
  std::size_t max_response_bytes = std::size_t{256} << 20;
  // With several addresses: single-key requests go to the key's primary node (see affinity.hpp).
  bool partition_awareness = true;
};

enum class TxConcurrency : std::int8_t { kOptimistic = 0, kPessimistic = 1 };
enum class TxIsolation : std::int8_t { kReadCommitted = 0, kRepeatableRead = 1, kSerializable = 2 };
enum class ClusterState : std::int8_t { kInactive = 0, kActive = 1, kActiveReadOnly = 2 };

// A thin-client transaction: the client's cache operations between its start and its end
// belong to it. Ends with commit() or rollback(); destroyed while open, it rolls back. The
// cluster rolls it back too if the connection is lost. Caches must be TRANSACTIONAL (atomic
// caches ignore it). Must not outlive its Client.
class Transaction {
 public:
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  void commit();
  void rollback();
  std::int32_t id() const { return id_; }

 private:
  friend class Client;
  Transaction(Client* client, std::int32_t id) : client_(client), id_(id) {}
  void end(bool commit);

  Client* client_;
  std::int32_t id_;
};

struct SqlResult {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
  std::size_t pages = 0;  // how many pages the server sent
};

// The rows of an SQL fields query, a page at a time. The server keeps the cursor until its last
// page is fetched; destroying this earlier closes it there. Must not outlive its Client.
class SqlCursor {
 public:
  SqlCursor(SqlCursor&& other) noexcept;
  SqlCursor& operator=(SqlCursor&&) = delete;
  ~SqlCursor();

  const std::vector<std::string>& columns() const { return columns_; }
  // The next page of rows; an empty optional once every page has been returned.
  std::optional<std::vector<std::vector<Value>>> next_page();

 private:
  friend class Client;
  SqlCursor(Client* client, SqlPage first);

  Client* client_;
  std::int64_t cursor_id_ = 0;
  std::vector<std::string> columns_;
  std::optional<std::vector<std::vector<Value>>> pending_;
  bool more_ = false;
};

class Client final : public TypeResolver {
 public:
  explicit Client(ClientOptions options);  // does not connect yet
  ~Client() override;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Connects and completes the handshake (a no-op when connected), with the first of the
  // addresses that answers. Throws ConnectionError (no node reachable, or none accepting
  // clients yet), ServerError (e.g. authentication) or ProtocolError (no common protocol version).
  void connect();
  // Closes the connections; an open transaction is rolled back by the cluster.
  void close() noexcept;
  bool connected() const { return connection_ != nullptr; }
  ProtocolVersion protocol_version() const { return version_; }
  const ClientOptions& options() const { return options_; }
  // The node connected to, or the one tried last.
  const Address& peer() const { return options_.addresses[current_]; }
  // Requests sent to a key's primary node over a connection of its own (partition awareness),
  // rather than through peer().
  std::uint64_t routed_requests() const { return routed_requests_; }
  // The id of the node connected to (protocol 1.4+).
  std::optional<Uuid> node_id() const { return node_id_; }
  // The primary node of `key` in `cache` by the cluster's partition map (fetched if needed), or
  // nullopt when it cannot be told.
  std::optional<Uuid> primary_of(std::string_view cache, const Value& key);

  // Caches (by name; a cache created by CREATE TABLE is "SQL_<SCHEMA>_<TABLE>" unless the
  // table's CACHE_NAME says otherwise).
  void cache_get_or_create(std::string_view name);
  void cache_get_or_create(const CacheConfig& config);
  void cache_destroy(std::string_view name);
  std::vector<std::string> cache_names();

  // Key-value operations.
  void put(std::string_view cache, const Value& key, const Value& value);
  void put_all(std::string_view cache, std::span<const Entry> entries);
  // Conditional writes, each atomic on the node, so together they make a compare-and-set:
  // put_if_absent stores `value` only where `key` has no value; replace_if_equals only where
  // the stored value equals `expected` (binary objects compare by type and serialized field
  // data, so an object built here equals the node's own of the same fields). True when written.
  bool put_if_absent(std::string_view cache, const Value& key, const Value& value);
  bool replace_if_equals(std::string_view cache, const Value& key, const Value& expected, const Value& value);
  // The value stored under `key`, or a null Value.
  Value get(std::string_view cache, const Value& key);
  // The entries among `keys` that exist (in no particular order).
  std::vector<Entry> get_all(std::string_view cache, std::span<const Value> keys);
  bool contains_key(std::string_view cache, const Value& key);
  bool remove_key(std::string_view cache, const Value& key);
  void clear(std::string_view cache);
  std::int64_t size(std::string_view cache);

  // SQL fields query (DDL, DML or SELECT) in `schema` ("PUBLIC" if empty) with positional `?`
  // arguments; every page fetched. DML answers one row with the number of rows changed.
  // `local`: a SELECT sees only the data the connected node holds.
  SqlResult sql_fields(std::string_view schema, std::string_view sql, std::span<const Value> args = {},
                       std::int32_t page_size = 1024, bool local = false);
  SqlCursor sql_cursor(std::string_view schema, std::string_view sql, std::span<const Value> args = {},
                       std::int32_t page_size = 1024, bool local = false);

  // Registers `type` with the cluster unless this connection already did.
  void register_type(const BinaryType& type);
  // TypeResolver: types this connection registered or fetched; with `fetch`, asks the server.
  std::shared_ptr<const BinaryType> find_type(std::int32_t type_id, std::int32_t schema_id, bool fetch) override;

  // Transactions need protocol 1.5+; one at a time per client.
  Transaction begin_transaction(TxConcurrency concurrency = TxConcurrency::kPessimistic,
                                TxIsolation isolation = TxIsolation::kRepeatableRead,
                                std::chrono::milliseconds timeout = std::chrono::milliseconds{0},
                                std::optional<std::string> label = std::nullopt);
  bool in_transaction() const { return tx_id_.has_value(); }

  ClusterState cluster_state();
  void set_cluster_state(ClusterState state);

 private:
  friend class Transaction;
  friend class SqlCursor;

  struct Response {
    std::vector<std::uint8_t> message;
    std::size_t body = 0;  // where the operation's data starts
    Reader reader(TypeResolver* resolver) const { return Reader(std::span(message).subspan(body), resolver); }
  };

  template <typename WriteBody>
  Response call(std::int16_t op_code, std::string_view what, WriteBody&& write_body);
  // call() on the connection to `key`'s primary node in `cache` when there is one (route()).
  template <typename WriteBody>
  Response call_keyed(std::string_view cache, const Value& key, std::int16_t op_code, std::string_view what,
                      WriteBody&& write_body);
  // Sends on `connection` and waits for its answer. A connection or protocol failure closes
  // that connection (all of them when it is the default one) and is rethrown.
  Response exchange(Connection& connection, std::vector<std::uint8_t> request, std::int64_t request_id,
                    std::string_view what);
  HandshakeResponse handshake_on(Connection& connection, const Address& node);
  // Decodes a response body; a malformed one closes the connection (the server is confused).
  template <typename Decode>
  auto decode(const Response& response, std::string_view what, Decode&& decode_body);
  void handshake();
  // Partition awareness: the connection to the primary node of `key` in `cache`, or the default
  // one (one address, in a transaction, a cache or key whose node cannot be told, a node not
  // reachable). Refreshes the cache's partition map when it is unknown or stale.
  Connection& route(std::string_view cache, const Value& key);
  void refresh_partitions(std::int32_t cache_id);
  // Connects to every address not connected yet, keeping those that answer by node id.
  void dial_nodes();
  void drop_node(Connection& connection) noexcept;
  void require_connected(std::string_view what) const;
  // Registers the types of the complex objects in `v` this connection has not registered yet.
  void register_types_in(const Value& v);
  std::int32_t cache_id(std::string_view cache) const;
  void end_transaction(std::int32_t id, bool commit);
  void close_cursor(std::int64_t cursor_id) noexcept;
  SqlPage next_sql_page(std::int64_t cursor_id, std::size_t columns);

  ClientOptions options_;
  std::size_t current_ = 0;  // index of peer() in options_.addresses
  std::unique_ptr<Connection> connection_;
  // Partition awareness: connection_'s node, the other nodes' connections, the partition maps
  // of the caches used so far and the newest topology version any answer reported.
  std::optional<Uuid> node_id_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::unique_ptr<Connection>> nodes_;
  PartitionMap partitions_;
  std::optional<AffinityVersion> topology_, partitions_for_;
  bool dialed_ = false;  // every address tried since the last partition map
  std::uint64_t routed_requests_ = 0;
  ProtocolVersion version_ = kProtocol1_7;
  std::int64_t next_request_id_ = 0;
  std::optional<std::int32_t> tx_id_;
  // (type id, schema id) registered on this connection, and types known by schema.
  std::set<std::pair<std::int32_t, std::int32_t>> registered_;
  std::map<std::pair<std::int32_t, std::int32_t>, std::shared_ptr<const BinaryType>> types_;
  // The (type id, schema id) registered or checked last: put_all of one type costs one
  // comparison per entry.
  std::optional<std::pair<std::int32_t, std::int32_t>> last_registered_;
};

}  // namespace streamlab::ignite

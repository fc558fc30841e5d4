#include "ignite/client.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "ignite/client_calls.hpp"
#include "ignite/connection.hpp"
#include "ignite/errors.hpp"
#include "ignite/hashing.hpp"

namespace streamlab::ignite {

namespace {

// A handshake answer is a few dozen bytes; anything near this is not one.
constexpr std::size_t kMaxHandshakeBytes = 1 << 16;

}  // namespace

Client::Client(ClientOptions options) : options_(std::move(options)) {
  if (options_.addresses.empty()) throw std::invalid_argument("ignite::Client needs at least one address");
}

Client::~Client() { close(); }

void Client::connect() {
  if (connection_) return;
  // From the node reached last: after it failed, the next one answers.
  const std::size_t n = options_.addresses.size();
  for (std::size_t tried = 0;; ++tried) {
    try {
      version_ = kProtocol1_7;
      connection_ = std::make_unique<Connection>(peer().host, peer().port, options_.tls, options_.connect_timeout);
      handshake();
      return;
    } catch (const ConnectionError&) {
      close();
      if (tried + 1 == n) throw;  // every node refused: the last one's reason
      current_ = (current_ + 1) % n;
    } catch (...) {
      close();
      throw;
    }
  }
}

void Client::close() noexcept {
  connection_.reset();
  nodes_.clear();
  node_id_.reset();
  partitions_ = {};
  topology_.reset();
  partitions_for_.reset();
  dialed_ = false;
  tx_id_.reset();
  // A node restarted in memory has forgotten the types: register them again after reconnecting.
  registered_.clear();
  types_.clear();
  last_registered_.reset();
}

HandshakeResponse Client::handshake_on(Connection& connection, const Address& node) {
  const std::string who = node.to_string();
  std::vector<std::uint8_t> body;
  try {
    connection.send(encode_handshake(version_, options_.user, options_.password), options_.request_timeout);
    body = connection.receive(options_.request_timeout, kMaxHandshakeBytes);
  } catch (const ConnectionError&) {
    // A node with SSL on its thin-client port drops a plaintext handshake without a word.
    if (!options_.tls.enabled && net::speaks_tls(node.host, node.port, options_.connect_timeout)) {
      throw Error(
          fmt::format("ignite {}: the port speaks TLS (SSL on the client connector): add tls=true and "
                      "cacert=FILE to the address",
                      who));
    }
    throw;
  }
  try {
    return decode_handshake(body, version_);
  } catch (const ProtocolError& e) {
    throw ProtocolError(fmt::format("ignite {}: handshake: {}", who, e.what()));
  }
}

void Client::handshake() {
  const std::string who = peer().to_string();
  for (int attempt = 0;; ++attempt) {
    const HandshakeResponse h = handshake_on(*connection_, peer());
    if (h.accepted) {
      node_id_ = h.node_id;
      return;
    }
    if (h.status == status::kAuthFailed) {
      throw ServerError(h.status, h.error, fmt::format("ignite {}: handshake", who));
    }
    const ProtocolVersion offered = h.server_version;
    if (offered != version_) {
      // An older server names the version it speaks; the connection is closed after a refusal,
      // so the next attempt dials again.
      if (attempt == 0 && offered >= kProtocol1_2 && offered < version_) {
        version_ = offered;
        connection_ = std::make_unique<Connection>(peer().host, peer().port, options_.tls, options_.connect_timeout);
        continue;
      }
      throw ProtocolError(
          fmt::format("ignite {}: the server speaks binary client protocol {}, this client {} to {}: {}", who,
                      offered.to_string(), kProtocol1_2.to_string(), kProtocol1_7.to_string(), h.error));
    }
    // Same version, refused anyway: the node is not serving clients yet (starting, recovering).
    throw ConnectionError(fmt::format("ignite {}: handshake refused: {}", who, h.error));
  }
}

void Client::require_connected(std::string_view what) const {
  if (!connection_) {
    throw ConnectionError(fmt::format("ignite {}: {}: not connected", peer().to_string(), what));
  }
}

Client::Response Client::exchange(Connection& connection, std::vector<std::uint8_t> request, std::int64_t request_id,
                                  std::string_view what) {
  try {
    connection.send(request, options_.request_timeout);
    // A server sending only notifications would otherwise keep this loop going forever.
    constexpr int kMaxNotifications = 10000;
    for (int notifications = 0;; ++notifications) {
      if (notifications > kMaxNotifications) {
        throw ProtocolError(fmt::format("ignite {}: {}: more than {} notifications and no answer", peer().to_string(),
                                        what, kMaxNotifications));
      }
      Response response;
      response.message = connection.receive(options_.request_timeout, options_.max_response_bytes);
      Reader r(response.message);
      ResponseHeader h;
      try {
        h = read_response_header(r, version_);
      } catch (const ProtocolError& e) {
        throw ProtocolError(fmt::format("ignite {}: {}: response header: {}", peer().to_string(), what, e.what()));
      }
      // A newer topology makes the partition maps stale (refreshed at the next routed request).
      if (h.topology && (!topology_ || *topology_ < *h.topology)) topology_ = h.topology;
      // Notifications (continuous queries, compute) are not answers; this client starts none.
      if (h.notification) continue;
      if (h.request_id != request_id) {
        throw ProtocolError(fmt::format("ignite {}: {}: answer to request {} while waiting for {}", peer().to_string(),
                                        what, h.request_id, request_id));
      }
      if (h.status != 0) throw ServerError(h.status, h.error, fmt::format("ignite {}: {}", peer().to_string(), what));
      response.body = r.position();
      return response;
    }
  } catch (const ConnectionError&) {
    drop_node(connection);
    throw;
  } catch (const ProtocolError&) {
    drop_node(connection);
    throw;
  }
}

void Client::drop_node(Connection& connection) noexcept {
  if (&connection == connection_.get()) {
    close();
    return;
  }
  // Another node's connection: requests for its partitions go through the default one until
  // the next partition map finds it again.
  std::erase_if(nodes_, [&](const auto& n) { return n.second.get() == &connection; });
}

void Client::refresh_partitions(std::int32_t cache_id) {
  std::vector<std::int32_t> ids{cache_id};
  for (const auto& [id, _] : partitions_.caches) {
    if (id != cache_id) ids.push_back(id);
  }
  const auto what = "cache partitions";
  const auto r = call(op::kCachePartitions, what, [&](Writer& w) { write_cache_partitions_request(w, ids); });
  partitions_ = decode(r, what, [](Reader& in) { return read_cache_partitions(in); });
  partitions_.caches.try_emplace(cache_id, std::nullopt);  // left out: no assignment (yet)
  // A cache the answer leaves out has no assignment yet: asked again next time, through any node.
  if (!topology_ || *topology_ < partitions_.version) topology_ = partitions_.version;
  partitions_for_ = topology_;  // stale once an answer reports a newer topology than this
  dialed_ = false;
}

void Client::dial_nodes() {
  dialed_ = true;
  for (std::size_t i = 0; i < options_.addresses.size(); ++i) {
    if (i == current_) continue;
    const Address& a = options_.addresses[i];
    try {
      auto connection = std::make_unique<Connection>(a.host, a.port, options_.tls, options_.connect_timeout);
      const HandshakeResponse h = handshake_on(*connection, a);
      if (!h.accepted || !h.node_id || h.node_id == node_id_) continue;
      nodes_[{h.node_id->most_significant, h.node_id->least_significant}] = std::move(connection);
    } catch (const Error&) {
      // Down or not serving yet: its keys go through the default connection.
    }
  }
}

std::optional<Uuid> Client::primary_of(std::string_view cache, const Value& key) {
  require_connected("primary node");
  const std::int32_t id = cache_id(cache);
  if (!partitions_.caches.contains(id) || partitions_for_ != topology_) refresh_partitions(id);
  const auto c = partitions_.caches.find(id);
  return c != partitions_.caches.end() && c->second ? primary_node(*c->second, key) : std::nullopt;
}

Connection& Client::route(std::string_view cache, const Value& key) {
  if (!options_.partition_awareness || options_.addresses.size() < 2 || tx_id_ || !node_id_) return *connection_;
  const std::optional<Uuid> node = primary_of(cache, key);
  if (!node || node == node_id_) return *connection_;
  const std::pair<std::uint64_t, std::uint64_t> node_key{node->most_significant, node->least_significant};
  if (!nodes_.contains(node_key) && !dialed_) dial_nodes();
  const auto channel = nodes_.find(node_key);
  if (channel == nodes_.end()) return *connection_;
  ++routed_requests_;
  return *channel->second;
}

std::int32_t Client::cache_id(std::string_view cache) const { return java_hash(cache); }

// ---------------------------------------------------------------------------------------------
// Caches

void Client::cache_get_or_create(std::string_view name) {
  const auto what = fmt::format("get or create cache '{}'", name);
  const auto r = call(op::kCacheGetOrCreateWithName, what, [&](Writer& w) { w.string(name); });
  decode(r, what, [](Reader&) { return 0; });
}

void Client::cache_get_or_create(const CacheConfig& config) {
  const auto what = fmt::format("get or create cache '{}'", config.name);
  const auto r = call(op::kCacheGetOrCreateWithConfiguration, what, [&](Writer& w) { write_cache_config(w, config); });
  decode(r, what, [](Reader&) { return 0; });
}

void Client::cache_destroy(std::string_view name) {
  const auto what = fmt::format("destroy cache '{}'", name);
  const auto r = call(op::kCacheDestroy, what, [&](Writer& w) { w.i32(cache_id(name)); });
  decode(r, what, [](Reader&) { return 0; });
}

std::vector<std::string> Client::cache_names() {
  const auto r = call(op::kCacheGetNames, "cache names", [](Writer&) {});
  return decode(r, "cache names", [](Reader& in) {
    std::vector<std::string> names(in.count(1, "cache name list"));
    for (auto& n : names) n = in.nullable_string().value_or("");
    return names;
  });
}

// ---------------------------------------------------------------------------------------------
// Key-value

void Client::register_types_in(const Value& v) {
  if (const auto* o = std::get_if<BinaryObject>(&v.data)) {
    if (o->type && !o->type->name().empty()) {
      const std::pair key{o->type->id(), o->type->schema_id()};
      if (last_registered_ != key) {
        register_type(*o->type);
        last_registered_ = key;
      }
    }
    for (const Value& f : o->values) {
      if (!f.is_null() && (f.is<BinaryObject>() || f.is<ValueArray>() || f.is<Collection>() || f.is<Map>())) {
        register_types_in(f);
      }
    }
  } else if (const auto* a = std::get_if<ValueArray>(&v.data)) {
    for (const Value& x : a->items) register_types_in(x);
  } else if (const auto* c = std::get_if<Collection>(&v.data)) {
    for (const Value& x : c->items) register_types_in(x);
  } else if (const auto* m = std::get_if<Map>(&v.data)) {
    for (const auto& e : m->entries) register_types_in(e.key), register_types_in(e.value);
  }
}

void Client::put(std::string_view cache, const Value& key, const Value& value) {
  require_connected("put");
  register_types_in(key);
  register_types_in(value);
  const auto what = fmt::format("put into cache '{}'", cache);
  const auto r = call_keyed(cache, key, op::kCachePut, what, [&](Writer& w) {
    write_cache_header(w, cache_id(cache), tx_id_);
    w.value(key);
    w.value(value);
  });
  decode(r, what, [](Reader&) { return 0; });
}

void Client::put_all(std::string_view cache, std::span<const Entry> entries) {
  require_connected("put_all");
  for (const Entry& e : entries) {
    register_types_in(e.key);
    register_types_in(e.value);
  }
  const auto what = fmt::format("put_all of {} entries into cache '{}'", entries.size(), cache);
  const auto r = call(op::kCachePutAll, what, [&](Writer& w) {
    write_cache_header(w, cache_id(cache), tx_id_);
    w.i32(static_cast<std::int32_t>(entries.size()));
    for (const Entry& e : entries) {
      w.value(e.key);
      w.value(e.value);
    }
  });
  decode(r, what, [](Reader&) { return 0; });
}

bool Client::put_if_absent(std::string_view cache, const Value& key, const Value& value) {
  require_connected("put_if_absent");
  register_types_in(key);
  register_types_in(value);
  const auto what = fmt::format("put_if_absent into cache '{}'", cache);
  const auto r = call_keyed(cache, key, op::kCachePutIfAbsent, what,
                            [&](Writer& w) { write_put_if_absent(w, cache_id(cache), tx_id_, key, value); });
  return decode(r, what, [](Reader& in) { return read_written_flag(in); });
}

bool Client::replace_if_equals(std::string_view cache, const Value& key, const Value& expected, const Value& value) {
  require_connected("replace_if_equals");
  register_types_in(key);
  register_types_in(expected);
  register_types_in(value);
  const auto what = fmt::format("replace_if_equals in cache '{}'", cache);
  const auto r = call_keyed(cache, key, op::kCacheReplaceIfEquals, what, [&](Writer& w) {
    write_replace_if_equals(w, cache_id(cache), tx_id_, key, expected, value);
  });
  return decode(r, what, [](Reader& in) { return read_written_flag(in); });
}

Value Client::get(std::string_view cache, const Value& key) {
  require_connected("get");
  register_types_in(key);
  const auto what = fmt::format("get from cache '{}'", cache);
  const auto r = call_keyed(cache, key, op::kCacheGet, what, [&](Writer& w) {
    write_cache_header(w, cache_id(cache), tx_id_);
    w.value(key);
  });
  return decode(r, what, [](Reader& in) { return in.value(); });
}

std::vector<Entry> Client::get_all(std::string_view cache, std::span<const Value> keys) {
  require_connected("get_all");
  for (const Value& k : keys) register_types_in(k);
  const auto what = fmt::format("get_all of {} keys from cache '{}'", keys.size(), cache);
  const auto r = call(op::kCacheGetAll, what, [&](Writer& w) {
    write_cache_header(w, cache_id(cache), tx_id_);
    w.i32(static_cast<std::int32_t>(keys.size()));
    for (const Value& k : keys) w.value(k);
  });
  return decode(r, what, [](Reader& in) { return read_entries(in); });
}

bool Client::contains_key(std::string_view cache, const Value& key) {
  require_connected("contains_key");
  register_types_in(key);
  const auto what = fmt::format("contains_key in cache '{}'", cache);
  const auto r = call_keyed(cache, key, op::kCacheContainsKey, what, [&](Writer& w) {
    write_cache_header(w, cache_id(cache), tx_id_);
    w.value(key);
  });
  return decode(r, what, [](Reader& in) { return in.boolean(); });
}

bool Client::remove_key(std::string_view cache, const Value& key) {
  require_connected("remove_key");
  register_types_in(key);
  const auto what = fmt::format("remove_key from cache '{}'", cache);
  const auto r = call_keyed(cache, key, op::kCacheRemoveKey, what, [&](Writer& w) {
    write_cache_header(w, cache_id(cache), tx_id_);
    w.value(key);
  });
  return decode(r, what, [](Reader& in) { return in.boolean(); });
}

void Client::clear(std::string_view cache) {
  const auto what = fmt::format("clear cache '{}'", cache);
  const auto r = call(op::kCacheClear, what, [&](Writer& w) { write_cache_header(w, cache_id(cache), std::nullopt); });
  decode(r, what, [](Reader&) { return 0; });
}

std::int64_t Client::size(std::string_view cache) {
  const auto what = fmt::format("size of cache '{}'", cache);
  const auto r = call(op::kCacheGetSize, what, [&](Writer& w) {
    write_cache_header(w, cache_id(cache), std::nullopt);
    w.i32(0);  // no peek modes: all entries
  });
  return decode(r, what, [](Reader& in) { return in.i64(); });
}

// ---------------------------------------------------------------------------------------------
// Binary types

void Client::register_type(const BinaryType& type) {
  const std::pair key{type.id(), type.schema_id()};
  if (registered_.contains(key)) return;
  const auto what = fmt::format("register binary type '{}'", type.name());
  const auto r = call(op::kPutBinaryType, what, [&](Writer& w) { write_type_metadata(w, metadata_of(type)); });
  decode(r, what, [](Reader&) { return 0; });
  registered_.insert(key);
  types_[key] = std::make_shared<BinaryType>(type);
}

std::shared_ptr<const BinaryType> Client::find_type(std::int32_t type_id, std::int32_t schema_id, bool fetch) {
  const std::pair key{type_id, schema_id};
  if (const auto it = types_.find(key); it != types_.end()) return it->second;
  if (!fetch || !connection_) return nullptr;
  const auto what = fmt::format("binary type {}", type_id);
  const auto r = call(op::kGetBinaryType, what, [&](Writer& w) { w.i32(type_id); });
  // Read without a resolver: metadata holds no objects.
  std::optional<TypeMetadata> meta;
  try {
    Reader in = r.reader(nullptr);
    meta = read_type_metadata_response(in);
    in.expect_end("response");
  } catch (const ProtocolError& e) {
    close();
    throw ProtocolError(fmt::format("ignite {}: {}: {}", peer().to_string(), what, e.what()));
  }
  if (!meta) return nullptr;
  for (const auto& schema : meta->schemas) {
    types_[{type_id, schema.first}] = type_for_schema(*meta, schema.first);
  }
  const auto it = types_.find(key);
  return it == types_.end() ? nullptr : it->second;
}

// ---------------------------------------------------------------------------------------------
// Transactions

Transaction Client::begin_transaction(TxConcurrency concurrency, TxIsolation isolation,
                                      std::chrono::milliseconds timeout, std::optional<std::string> label) {
  require_connected("start transaction");
  if (version_ < kProtocol1_5) {
    throw Error(fmt::format("ignite {}: transactions need protocol 1.5.0, the server speaks {}", peer().to_string(),
                            version_.to_string()));
  }
  if (tx_id_) throw std::logic_error("ignite client: a transaction is already open on this connection");
  const auto r = call(op::kTxStart, "start transaction", [&](Writer& w) {
    w.i8(static_cast<std::int8_t>(concurrency));
    w.i8(static_cast<std::int8_t>(isolation));
    w.i64(timeout.count());
    w.nullable_string(label);
  });
  const std::int32_t id = decode(r, "start transaction", [](Reader& in) { return in.i32(); });
  tx_id_ = id;
  return Transaction(this, id);
}

void Client::end_transaction(std::int32_t id, bool commit) {
  // Whatever the answer, the transaction is over for this client.
  if (tx_id_ == id) tx_id_.reset();
  const char* what = commit ? "commit transaction" : "roll back transaction";
  const auto r = call(op::kTxEnd, what, [&](Writer& w) {
    w.i32(id);
    w.boolean(commit);
  });
  decode(r, what, [](Reader&) { return 0; });
}

Transaction::Transaction(Transaction&& other) noexcept : client_(other.client_), id_(other.id_) {
  other.client_ = nullptr;
}

Transaction::~Transaction() {
  if (client_ == nullptr) return;
  try {
    end(false);
  } catch (const std::exception&) {
    // The connection is gone or the server forgot the transaction: it is rolled back either way.
  }
}

void Transaction::end(bool commit) {
  if (client_ == nullptr) throw std::logic_error("ignite transaction: already ended");
  Client* client = client_;
  client_ = nullptr;
  if (!client->connected()) {
    // The cluster rolled it back when the connection went: a rollback has nothing left to do.
    client->tx_id_.reset();
    if (commit) throw ConnectionError("ignite transaction: the connection was lost; the cluster rolled it back");
    return;
  }
  client->end_transaction(id_, commit);
}

void Transaction::commit() { end(true); }
void Transaction::rollback() { end(false); }

// ---------------------------------------------------------------------------------------------
// Cluster

ClusterState Client::cluster_state() {
  const auto r = call(op::kClusterGetState, "cluster state", [](Writer&) {});
  const std::uint8_t s = decode(r, "cluster state", [](Reader& in) { return in.u8(); });
  if (s > 2) {
    close();
    throw ProtocolError(fmt::format("ignite {}: cluster state {} is unknown", peer().to_string(), s));
  }
  return static_cast<ClusterState>(s);
}

void Client::set_cluster_state(ClusterState state) {
  const auto r =
      call(op::kClusterChangeState, "change cluster state", [&](Writer& w) { w.i8(static_cast<std::int8_t>(state)); });
  decode(r, "change cluster state", [](Reader&) { return 0; });
}

}  // namespace streamlab::ignite

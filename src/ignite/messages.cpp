#include "ignite/messages.hpp"

#include <fmt/format.h>

#include <limits>
#include <stdexcept>

#include "ignite/errors.hpp"
#include "ignite/hashing.hpp"

namespace streamlab::ignite {

std::string ProtocolVersion::to_string() const { return fmt::format("{}.{}.{}", major, minor, patch); }

// ---------------------------------------------------------------------------------------------
// Handshake

namespace {
constexpr std::uint8_t kHandshakeCode = 1;
constexpr std::uint8_t kThinClientCode = 2;
}  // namespace

std::vector<std::uint8_t> encode_handshake(ProtocolVersion version, const std::optional<std::string>& user,
                                           const std::optional<std::string>& password) {
  Writer w(64);
  w.i32(0);
  w.u8(kHandshakeCode);
  w.i16(version.major);
  w.i16(version.minor);
  w.i16(version.patch);
  w.u8(kThinClientCode);
  if (version >= kProtocol1_7) w.byte_array(kClientFeatures);
  // Credentials go last; a server without authentication ignores them.
  if (user && !user->empty()) {
    w.string(*user);
    w.string(password.value_or(""));
  }
  w.patch_i32(0, static_cast<std::int32_t>(w.size() - 4));
  return w.take();
}

HandshakeResponse decode_handshake(std::span<const std::uint8_t> body, ProtocolVersion requested) {
  Reader r(body);
  HandshakeResponse h;
  h.accepted = r.u8() == 1;
  if (!h.accepted) {
    h.server_version.major = r.i16();
    h.server_version.minor = r.i16();
    h.server_version.patch = r.i16();
    if (!r.at_end()) h.error = r.nullable_string().value_or("");
    if (r.remaining() >= 4) h.status = r.i32();
    return h;
  }
  if (requested >= kProtocol1_7 && !r.at_end()) {
    h.features = r.nullable_byte_array().value_or(std::vector<std::uint8_t>{});
  }
  if (requested >= kProtocol1_4 && !r.at_end()) {
    const Value node = r.value();
    if (node.is<Uuid>())
      h.node_id = node.as<Uuid>();
    else if (!node.is_null())
      throw ProtocolError("handshake: the node id is not a UUID");
  }
  // Later protocol versions may append more; what this version does not know is ignored.
  return h;
}

// ---------------------------------------------------------------------------------------------
// Requests and the response header

Request::Request(std::int16_t op_code, std::int64_t request_id, std::size_t reserve) : w_(reserve + 14) {
  w_.i32(0);
  w_.i16(op_code);
  w_.i64(request_id);
}

std::vector<std::uint8_t> Request::finish() {
  if (w_.size() - 4 > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    throw std::invalid_argument("request larger than 2 GiB");
  }
  w_.patch_i32(0, static_cast<std::int32_t>(w_.size() - 4));
  return w_.take();
}

ResponseHeader read_response_header(Reader& r, ProtocolVersion version) {
  ResponseHeader h;
  h.request_id = r.i64();
  if (version >= kProtocol1_4) {
    h.flags = r.i16();
    if (h.flags & response_flags::kAffinityTopologyChanged) {
      AffinityVersion v;
      v.major = r.i64();
      v.minor = r.i32();
      h.topology = v;
    }
    if (h.flags & response_flags::kNotification) {
      h.notification = true;
      h.notification_op = r.i16();
    }
    if (h.flags & response_flags::kError) {
      h.status = r.i32();
      h.error = r.nullable_string().value_or("");
      // A status of 0 with the error flag would be read as success otherwise.
      if (h.status == 0) h.status = status::kFailed;
    }
  } else {
    h.status = r.i32();
    if (h.status != 0) h.error = r.nullable_string().value_or("");
  }
  return h;
}

// ---------------------------------------------------------------------------------------------
// Operation bodies

namespace {
constexpr std::uint8_t kTransactionalFlag = 0x02;
}  // namespace

void write_cache_header(Writer& w, std::int32_t cache_id, std::optional<std::int32_t> tx_id) {
  w.i32(cache_id);
  if (tx_id) {
    w.u8(kTransactionalFlag);
    w.i32(*tx_id);
  } else {
    w.u8(0);
  }
}

std::vector<Entry> read_entries(Reader& r) {
  const std::size_t n = r.count(2, "entry list");
  std::vector<Entry> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    Value k = r.value();
    Value v = r.value();
    out.push_back(Entry{std::move(k), std::move(v)});
  }
  return out;
}

void write_put_if_absent(Writer& w, std::int32_t cache_id, std::optional<std::int32_t> tx_id, const Value& key,
                         const Value& value) {
  write_cache_header(w, cache_id, tx_id);
  w.value(key);
  w.value(value);
}

void write_replace_if_equals(Writer& w, std::int32_t cache_id, std::optional<std::int32_t> tx_id, const Value& key,
                             const Value& expected, const Value& value) {
  write_cache_header(w, cache_id, tx_id);
  w.value(key);
  w.value(expected);
  w.value(value);
}

bool read_written_flag(Reader& r) { return r.boolean(); }

void write_cache_config(Writer& w, const CacheConfig& c) {
  // Property codes and types from cache-configuration.adoc; the length counts what follows it.
  Writer props;
  std::int16_t count = 1;
  props.i16(0), props.string(c.name);
  if (c.atomicity) props.i16(2), props.i32(static_cast<std::int32_t>(*c.atomicity)), ++count;
  if (c.mode) props.i16(1), props.i32(static_cast<std::int32_t>(*c.mode)), ++count;
  if (c.backups) props.i16(3), props.i32(*c.backups), ++count;
  if (c.sql_schema) props.i16(203), props.string(*c.sql_schema), ++count;
  w.i32(static_cast<std::int32_t>(props.size() + 2));
  w.i16(count);
  w.bytes(props.buffer());
}

void write_sql_fields(Writer& w, const SqlFieldsRequest& q) {
  w.nullable_string(q.schema);
  w.i32(q.page_size);
  w.i32(q.max_rows);
  w.string(q.sql);
  w.i32(static_cast<std::int32_t>(q.args.size()));
  for (const Value& a : q.args) w.value(a);
  w.u8(0);           // statement type: any
  w.boolean(false);  // distributed joins
  w.boolean(q.local);
  w.boolean(false);  // replicated only
  w.boolean(false);  // enforce join order
  w.boolean(false);  // collocated
  w.boolean(false);  // lazy (ignored by the server)
  w.i64(q.timeout_ms);
  w.boolean(true);  // include field names
}

namespace {

void read_rows(Reader& r, SqlPage& page, std::size_t columns) {
  const std::int32_t rows = r.i32();
  if (rows < 0) throw ProtocolError(fmt::format("SQL page with {} rows", rows));
  if (rows > 0 && columns == 0) throw ProtocolError("SQL page with rows but no columns");
  // Every value takes at least one byte.
  if (static_cast<std::uint64_t>(rows) * columns > r.remaining()) {
    throw ProtocolError(
        fmt::format("SQL page of {} rows x {} columns cannot fit in {} bytes", rows, columns, r.remaining()));
  }
  page.rows.reserve(static_cast<std::size_t>(rows));
  for (std::int32_t i = 0; i < rows; ++i) {
    std::vector<Value> row;
    row.reserve(columns);
    for (std::size_t c = 0; c < columns; ++c) row.push_back(r.value());
    page.rows.push_back(std::move(row));
  }
  page.more = r.boolean();
}

}  // namespace

SqlPage read_sql_first_page(Reader& r) {
  SqlPage page;
  page.cursor_id = r.i64();
  const std::size_t columns = r.count(1, "column list");
  page.columns.reserve(columns);
  for (std::size_t i = 0; i < columns; ++i) page.columns.push_back(r.nullable_string().value_or(""));
  read_rows(r, page, columns);
  return page;
}

SqlPage read_sql_next_page(Reader& r, std::size_t columns) {
  SqlPage page;
  read_rows(r, page, columns);
  return page;
}

TypeMetadata metadata_of(const BinaryType& type) {
  TypeMetadata m;
  m.type_id = type.id();
  m.type_name = type.name();
  m.fields = type.fields();
  std::vector<std::int32_t> ids;
  ids.reserve(type.fields().size());
  for (const auto& f : type.fields()) ids.push_back(f.id);
  m.schemas.emplace_back(type.schema_id(), std::move(ids));
  return m;
}

void write_type_metadata(Writer& w, const TypeMetadata& m) {
  w.i32(m.type_id);
  w.string(m.type_name);
  w.nullable_string(m.affinity_key);
  w.i32(static_cast<std::int32_t>(m.fields.size()));
  for (const auto& f : m.fields) {
    w.string(f.name);
    w.i32(static_cast<std::int32_t>(f.type));
    w.i32(f.id);
  }
  w.boolean(m.is_enum);
  if (m.is_enum) {
    w.i32(static_cast<std::int32_t>(m.enum_values.size()));
    for (const auto& [name, ordinal] : m.enum_values) w.string(name), w.i32(ordinal);
  }
  w.i32(static_cast<std::int32_t>(m.schemas.size()));
  for (const auto& [id, fields] : m.schemas) {
    w.i32(id);
    w.i32(static_cast<std::int32_t>(fields.size()));
    for (const std::int32_t f : fields) w.i32(f);
  }
}

namespace {

// A field type code from metadata; codes that are not value types read as "unknown".
TypeCode field_type(std::int32_t code) {
  if (code < -128 || code > 127) return TypeCode::kNull;
  const auto t = static_cast<TypeCode>(code);
  const auto name = type_name(t);
  if (name.starts_with("unknown") || t == TypeCode::kHandle || t == TypeCode::kWrappedData) return TypeCode::kNull;
  return t;
}

}  // namespace

std::optional<TypeMetadata> read_type_metadata_response(Reader& r) {
  if (!r.boolean()) return std::nullopt;
  TypeMetadata m;
  m.type_id = r.i32();
  m.type_name = r.nullable_string().value_or("");
  m.affinity_key = r.nullable_string();
  const std::size_t fields = r.count(9, "field list");
  m.fields.reserve(fields);
  for (std::size_t i = 0; i < fields; ++i) {
    BinaryField f;
    f.name = r.nullable_string().value_or("");
    f.type = field_type(r.i32());
    f.id = r.i32();
    m.fields.push_back(std::move(f));
  }
  m.is_enum = r.boolean();
  if (m.is_enum) {
    const std::size_t values = r.count(5, "enum value list");
    m.enum_values.reserve(values);
    for (std::size_t i = 0; i < values; ++i) {
      std::string name = r.nullable_string().value_or("");
      const std::int32_t ordinal = r.i32();
      m.enum_values.emplace_back(std::move(name), ordinal);
    }
  }
  const std::size_t schemas = r.count(8, "schema list");
  m.schemas.reserve(schemas);
  for (std::size_t i = 0; i < schemas; ++i) {
    const std::int32_t id = r.i32();
    std::vector<std::int32_t> ids(r.count(4, "schema field list"));
    for (auto& f : ids) f = r.i32();
    m.schemas.emplace_back(id, std::move(ids));
  }
  return m;
}

std::shared_ptr<const BinaryType> type_for_schema(const TypeMetadata& m, std::int32_t schema_id) {
  for (const auto& [id, field_ids] : m.schemas) {
    if (id != schema_id) continue;
    std::vector<BinaryField> fields;
    fields.reserve(field_ids.size());
    for (const std::int32_t fid : field_ids) {
      BinaryField f{{}, fid, TypeCode::kNull};
      for (const auto& known : m.fields) {
        if (known.id == fid) {
          f.name = known.name;
          f.type = known.type;
          break;
        }
      }
      fields.push_back(std::move(f));
    }
    return BinaryType::from_ids(m.type_id, m.type_name, std::move(fields));
  }
  return nullptr;
}

}  // namespace streamlab::ignite

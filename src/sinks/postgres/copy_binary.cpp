#include "sinks/postgres/copy_binary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <stdexcept>

#include "tweets/timestamps.hpp"

namespace streamlab::sinks::postgres {
namespace {

// A value's length as its int32 prefix. Every value comes from one Kafka message, far below
// 2 GiB (PostgreSQL refuses a field over 1 GB for its data: a dead letter); a longer one could
// not be framed at all.
std::int32_t length_of(std::size_t n) {
  if (n > static_cast<std::size_t>(INT32_MAX)) throw std::length_error("a COPY binary field over 2 GiB");
  return static_cast<std::int32_t>(n);
}

void put_u16(std::uint16_t v, std::string& out) {
  const char b[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
  out.append(b, 2);
}

void put_u32(std::uint32_t v, std::string& out) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                     static_cast<char>(v)};
  out.append(b, 4);
}

void put_u64(std::uint64_t v, std::string& out) {
  put_u32(static_cast<std::uint32_t>(v >> 32), out);
  put_u32(static_cast<std::uint32_t>(v), out);
}

void put_i32(std::int32_t v, std::string& out) { put_u32(static_cast<std::uint32_t>(v), out); }

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

void append_copy_binary_header(std::string& out) {
  out.append("PGCOPY\n\377\r\n\0", 11);
  put_u32(0, out);  // flags: no OIDs
  put_u32(0, out);  // header extension: none
}

void append_copy_binary_trailer(std::string& out) { put_u16(0xFFFF, out); }

void append_binary_tuple(std::int16_t fields, std::string& out) { put_u16(static_cast<std::uint16_t>(fields), out); }

void append_binary_null(std::string& out) { put_i32(-1, out); }

void append_binary_bool(bool value, std::string& out) {
  put_i32(1, out);
  out.push_back(value ? '\1' : '\0');
}

void append_binary_int4(std::int32_t value, std::string& out) {
  put_i32(4, out);
  put_u32(static_cast<std::uint32_t>(value), out);
}

void append_binary_int8(std::int64_t value, std::string& out) {
  put_i32(8, out);
  put_u64(static_cast<std::uint64_t>(value), out);
}

void append_binary_text(std::string_view value, std::string& out) {
  put_i32(length_of(value.size()), out);
  out.append(value);
}

void append_binary_jsonb(std::string_view document, std::string& out) {
  put_i32(length_of(document.size() + 1), out);
  out.push_back('\1');
  out.append(document);
}

void append_binary_text_array(const std::vector<std::string>& elements, std::string& out) {
  // array_send's form: ndim, has-nulls flag, element type; per dimension its size and lower
  // bound; then each element as a field. No elements: no dimensions (array_recv's empty array).
  std::size_t size = 12 + (elements.empty() ? 0 : 8);
  for (const auto& e : elements) size += 4 + e.size();
  put_i32(length_of(size), out);
  put_i32(elements.empty() ? 0 : 1, out);
  put_i32(0, out);
  put_u32(kTextOid, out);
  if (!elements.empty()) {
    put_i32(length_of(elements.size()), out);
    put_i32(1, out);
  }
  for (const auto& e : elements) append_binary_text(e, out);
}

void append_binary_timestamp_ms(std::int64_t epoch_ms, std::string& out) {
  if (!tweets::is_kept_time(epoch_ms)) {
    append_binary_null(out);
    return;
  }
  append_binary_int8((epoch_ms - kPostgresEpochMs) * 1000, out);
}

BinaryRows binary_rows_for(const std::vector<std::pair<std::string, std::uint32_t>>& column_types, bool with_raw) {
  // Each column with the types whose binary form the row writes (a second one, or 0): varchar
  // reads text's form, json is written as its text and jsonb with its version byte.
  struct Want {
    std::string_view column;
    std::uint32_t type, or_type;
  };
  constexpr std::array<Want, 15> kWanted = {{{"topic", kTextOid, kVarcharOid},
                                             {"partition", kInt4Oid, 0},
                                             {"offset", kInt8Oid, 0},
                                             {"kind", kTextOid, kVarcharOid},
                                             {"number", kInt8Oid, 0},
                                             {"id", kTextOid, kVarcharOid},
                                             {"created_at", kTimestamptzOid, 0},
                                             {"author", kTextOid, kVarcharOid},
                                             {"lang", kTextOid, kVarcharOid},
                                             {"text", kTextOid, kVarcharOid},
                                             {"hashtags", kTextArrayOid, 0},
                                             {"mentions", kTextArrayOid, 0},
                                             {"is_retweet", kBoolOid, 0},
                                             {"kafka_timestamp", kTimestamptzOid, 0},
                                             {"raw", kJsonOid, kJsonbOid}}};
  BinaryRows r;
  for (const Want& w : kWanted) {
    if (w.column == "raw" && !with_raw) break;
    const auto it =
        std::find_if(column_types.begin(), column_types.end(), [&](const auto& c) { return c.first == w.column; });
    if (it == column_types.end()) {
      r.why_not = fmt::format("it has no column {}", w.column);
      return r;
    }
    if (it->second != w.type && (w.or_type == 0 || it->second != w.or_type)) {
      r.why_not = fmt::format("its column {} is of another type (OID {})", w.column, it->second);
      return r;
    }
    if (w.column == "raw") r.raw = it->second == kJsonbOid ? RawColumn::Jsonb : RawColumn::Json;
  }
  r.usable = true;
  return r;
}

void append_binary_row(const Row& row, RawColumn raw, std::string& out) {
  append_binary_tuple(raw == RawColumn::None ? 14 : 15, out);
  append_binary_text(row.topic(), out);
  append_binary_int4(row.partition(), out);
  append_binary_int8(row.offset(), out);
  if (row.parsed.kind == tweets::MessageKind::Counter) {
    append_binary_text("counter", out);
    append_binary_int8(row.parsed.number, out);
    for (int i = 0; i < 8; ++i) append_binary_null(out);  // id .. is_retweet
  } else {
    const tweets::Tweet& t = row.parsed.tweet;
    append_binary_text("tweet", out);
    append_binary_null(out);
    append_binary_text(t.id, out);
    if (t.created_at.empty()) {
      append_binary_null(out);
    } else {
      // created_at keeps whole seconds (tweets::Tweet::created_at), as the text rows store it.
      append_binary_timestamp_ms(floor_div(t.created_at_ms, 1000) * 1000, out);
    }
    append_binary_text(t.author, out);
    append_binary_text(t.lang, out);
    append_binary_text(t.text, out);
    append_binary_text_array(t.hashtags, out);
    append_binary_text_array(t.mentions, out);
    append_binary_bool(t.is_retweet, out);
  }
  if (row.timestamp_ms() > 0) {
    append_binary_timestamp_ms(row.timestamp_ms(), out);
  } else {
    append_binary_null(out);
  }
  if (raw == RawColumn::Jsonb) append_binary_jsonb(row.payload(), out);
  if (raw == RawColumn::Json) append_binary_text(row.payload(), out);
}

}  // namespace streamlab::sinks::postgres

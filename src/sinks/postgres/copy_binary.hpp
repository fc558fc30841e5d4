#pragma once
// PostgreSQL's COPY binary format (the COPY command's documentation, "Binary Format"), written
// by hand: the server then reads each value with the type's receive function instead of parsing
// text (no line splitting, no escapes, no date or array parsing). A stream is a header, tuples
// and a trailer; a tuple is an int16 count of fields, each field an int32 length (-1: NULL)
// followed by that many bytes of the type's binary form. All integers are in network order.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sinks/postgres/raw_column.hpp"
#include "sinks/sink.hpp"

namespace streamlab::sinks::postgres {

// PostgreSQL's timestamps count microseconds from 2000-01-01T00:00:00Z: these milliseconds
// after the Unix epoch.
inline constexpr std::int64_t kPostgresEpochMs = 946'684'800'000;

// The type OIDs the binary rows are written for (pg_type.oid, fixed for built-in types).
inline constexpr std::uint32_t kBoolOid = 16, kInt8Oid = 20, kInt4Oid = 23, kTextOid = 25, kJsonOid = 114,
                               kTextArrayOid = 1009, kVarcharOid = 1043, kTimestamptzOid = 1184, kJsonbOid = 3802;

// "PGCOPY\n\377\r\n\0", flags 0 (no OIDs), no header extension.
void append_copy_binary_header(std::string& out);
// The int16 -1 that ends the tuples.
void append_copy_binary_trailer(std::string& out);
// A tuple's start: its number of fields.
void append_binary_tuple(std::int16_t fields, std::string& out);

void append_binary_null(std::string& out);
void append_binary_bool(bool value, std::string& out);
void append_binary_int4(std::int32_t value, std::string& out);
void append_binary_int8(std::int64_t value, std::string& out);
// text and varchar, and json (its binary form is its text) and bytea (its bytes): the bytes as
// they are. Text must be valid UTF-8 without NUL (the server checks).
void append_binary_text(std::string_view value, std::string& out);
// jsonb: version byte 1, then the document's text.
void append_binary_jsonb(std::string_view document, std::string& out);
// A one-dimensional text[] of the elements, none NULL, lower bound 1; no elements: the empty
// array (zero dimensions), as '{}' reads.
void append_binary_text_array(const std::vector<std::string>& elements, std::string& out);
// A timestamptz from milliseconds since the Unix epoch; NULL outside years 0001-9999 (UTC),
// the instants streamlab keeps.
void append_binary_timestamp_ms(std::int64_t epoch_ms, std::string& out);

// The types of the rows table's columns decide whether its rows can be written in binary: each
// value's binary form is that of one type, where text input would have been converted to the
// column's type. `column_types`: the table's columns by name with their type OIDs.
struct BinaryRows {
  bool usable = false;
  RawColumn raw = RawColumn::None;  // the raw column's actual type, when the rows have one
  std::string why_not;              // when not usable: the first column of another type
};
BinaryRows binary_rows_for(const std::vector<std::pair<std::string, std::uint32_t>>& column_types, bool with_raw);

// One message as a binary tuple of the rows table, its fields in the order of the sink's COPY
// column list: topic, partition, offset, kind, number, id, created_at, author, lang, text,
// hashtags, mentions, is_retweet, kafka_timestamp, and raw (of type `raw`) unless None. The
// same values as the text rows: created_at to the whole second, kafka_timestamp only when
// positive.
void append_binary_row(const Row& row, RawColumn raw, std::string& out);

}  // namespace streamlab::sinks::postgres

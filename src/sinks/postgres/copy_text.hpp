#pragma once
// PostgreSQL's COPY text format, written by hand because libpq only moves the bytes: every
// value is escaped so that no byte of a message can end a field, a row or the stream.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace streamlab::sinks::postgres {

// Appends `value` escaped for a COPY text field (backslash, tab, newline, carriage return).
// The caller guarantees no NUL byte: a text field cannot hold one.
void append_copy_text(std::string_view value, std::string& out);
// An array literal, {"a","b"}, each element quoted (for a text[] parameter or field).
std::string array_literal(const std::vector<std::string>& values);
// A text[] literal of the elements, escaped as a COPY field.
void append_copy_text_array(const std::vector<std::string>& values, std::string& out);
// A bytea field in hex form: any bytes, NUL included.
void append_copy_bytea(std::string_view bytes, std::string& out);
// A timestamptz field from milliseconds since the epoch, UTC.
void append_copy_timestamp_ms(std::int64_t epoch_ms, std::string& out);

inline constexpr std::string_view kCopyNull = "\\N";

// A table name from the command line: [A-Za-z_][A-Za-z0-9_]* up to `max_length`, optionally
// schema-qualified the same way; returned double-quoted. Throws UsageError otherwise.
std::string quoted_table_name(std::string_view name, std::size_t max_length = 50);

}  // namespace streamlab::sinks::postgres

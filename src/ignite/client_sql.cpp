// Client's SQL: fields queries and their cursors (the rest of the client is in client.cpp).

#include <fmt/format.h>

#include <stdexcept>

#include "ignite/client.hpp"
#include "ignite/client_calls.hpp"

namespace streamlab::ignite {

// ---------------------------------------------------------------------------------------------
// SQL

SqlCursor::SqlCursor(Client* client, SqlPage first)
    : client_(client),
      cursor_id_(first.cursor_id),
      columns_(std::move(first.columns)),
      pending_(std::move(first.rows)),
      more_(first.more) {}

SqlCursor::SqlCursor(SqlCursor&& other) noexcept
    : client_(other.client_),
      cursor_id_(other.cursor_id_),
      columns_(std::move(other.columns_)),
      pending_(std::move(other.pending_)),
      more_(other.more_) {
  other.more_ = false;
  other.pending_.reset();
}

SqlCursor::~SqlCursor() {
  // The server closes a cursor by itself after its last page.
  if (more_) client_->close_cursor(cursor_id_);
}

std::optional<std::vector<std::vector<Value>>> SqlCursor::next_page() {
  if (pending_) {
    auto rows = std::move(*pending_);
    pending_.reset();
    return rows;
  }
  if (!more_) return std::nullopt;
  more_ = false;  // if fetching fails, the cursor is the server's problem (or gone with the connection)
  SqlPage page = client_->next_sql_page(cursor_id_, columns_.size());
  more_ = page.more;
  return std::move(page.rows);
}

SqlCursor Client::sql_cursor(std::string_view schema, std::string_view sql, std::span<const Value> args,
                             std::int32_t page_size, bool local) {
  require_connected("SQL query");
  if (page_size <= 0) throw std::invalid_argument("SQL page size must be positive");
  for (const Value& a : args) register_types_in(a);
  SqlFieldsRequest q;
  q.schema = schema.empty() ? std::string("PUBLIC") : std::string(schema);
  q.sql = std::string(sql);
  q.args = args;
  q.page_size = page_size;
  q.local = local;
  const auto what = fmt::format("SQL query '{}'", sql.substr(0, 200));
  const auto r = call(op::kQuerySqlFields, what, [&](Writer& w) {
    write_cache_header(w, 0, std::nullopt);
    write_sql_fields(w, q);
  });
  return SqlCursor(this, decode(r, what, [](Reader& in) { return read_sql_first_page(in); }));
}

SqlPage Client::next_sql_page(std::int64_t cursor_id, std::size_t columns) {
  const auto r = call(op::kQuerySqlFieldsCursorGetPage, "SQL cursor page", [&](Writer& w) { w.i64(cursor_id); });
  return decode(r, "SQL cursor page", [&](Reader& in) { return read_sql_next_page(in, columns); });
}

void Client::close_cursor(std::int64_t cursor_id) noexcept {
  if (!connection_) return;
  try {
    const auto r = call(op::kResourceClose, "close SQL cursor", [&](Writer& w) { w.i64(cursor_id); });
    decode(r, "close SQL cursor", [](Reader&) { return 0; });
  } catch (const std::exception&) {
    // Best effort: a cursor the server no longer has, or a connection already gone.
  }
}

SqlResult Client::sql_fields(std::string_view schema, std::string_view sql, std::span<const Value> args,
                             std::int32_t page_size, bool local) {
  SqlCursor cursor = sql_cursor(schema, sql, args, page_size, local);
  SqlResult result;
  result.columns = cursor.columns();
  while (auto page = cursor.next_page()) {
    ++result.pages;
    if (result.rows.empty()) {
      result.rows = std::move(*page);
    } else {
      for (auto& row : *page) result.rows.push_back(std::move(row));
    }
  }
  return result;
}

}  // namespace streamlab::ignite

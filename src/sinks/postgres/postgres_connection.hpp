#pragma once
// What the PostgreSQL sink and its inventory share to talk to the server over libpq: the URI
// checked up front, one connection (re)made on demand, and libpq's errors in the sink
// contract's terms, by SQLSTATE: connection trouble, shutdown, resources and lock conflicts are
// RetryableError; authentication, permission, bad schema or data are FatalError.

#include <libpq-fe.h>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace streamlab::sinks::postgres {

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// A unique key was hit (SQLSTATE 23505): rows are already there.
struct UniqueViolation : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws UniqueViolation, RetryableError or FatalError for a failed `res` (null: the
// connection's own error), the text starting with `what`.
[[noreturn]] void throw_for(PGconn* conn, const PGresult* res, const std::string& what);

// Runs `sql` with text parameters; throws as throw_for unless the status is `expect`.
Result exec(PGconn* conn, const std::string& sql, const std::vector<std::string>& params = {},
            ExecStatusType expect = PGRES_COMMAND_OK);

class Connection {
 public:
  // Any libpq connection URI or key=value string; a malformed one is a core::UsageError.
  // Does not connect yet.
  explicit Connection(std::string uri);
  ~Connection();

  // "postgres host:port/dbname", for logs and reports (no password).
  const std::string& where() const { return where_; }
  // The connection, made first when there is none or it broke; `on_connect` runs on each new
  // one (a throw from it drops the connection, so the next call starts over). Throws
  // RetryableError when the server cannot be reached or is starting, FatalError when it refuses.
  PGconn* get(const std::function<void(PGconn*)>& on_connect = {});
  void reset();

 private:
  struct ConnDeleter {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  std::string uri_;
  std::string where_;
  std::unique_ptr<PGconn, ConnDeleter> conn_;
};

}  // namespace streamlab::sinks::postgres

#pragma once
// What the PostgreSQL sink and its inventory share to talk to the server over libpq: the URI
// checked up front, one connection (re)made on demand, and libpq's errors in the sink
// contract's terms, by SQLSTATE: connection trouble, shutdown, resources and lock conflicts are
// RetryableError; authentication, permission, bad schema or data are FatalError.
//
// libpq's blocking calls have no deadline of their own: a server that stops answering without
// closing the socket (hung, or behind a proxy that drops the bytes; TCP keepalive does not tell,
// since the proxy's kernel acknowledges) would hold them for ever. What runs through
// Connection::bounded has one: a core::IoWatchdog shuts the socket down when the server has not
// answered within the connection's timeout, and the call fails with a RetryableError that says so.

#include <libpq-fe.h>

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/io_watchdog.hpp"
#include "sinks/sink.hpp"

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

// A sink URI's parameters that streamlab reads itself, taken out of its query before libpq sees
// it (libpq refuses parameters it does not know); a key=value string is left as it is.
struct SinkUri {
  std::string libpq;  // the URI without them
  // ?synchronous_commit=off|local|remote_write|remote_apply|on: set on each connection (SET);
  // empty: the server's setting.
  std::string synchronous_commit;
};
// Throws core::UsageError for a value PostgreSQL does not take (naming the parameter, not the URI).
SinkUri split_sink_uri(const std::string& uri);

// Runs `sql` with text parameters; throws as throw_for unless the status is `expect`.
Result exec(PGconn* conn, const std::string& sql, const std::vector<std::string>& params = {},
            ExecStatusType expect = PGRES_COMMAND_OK);

class Connection {
 public:
  // Any libpq connection URI or key=value string, a URI with split_sink_uri's parameters too; a
  // malformed one is a core::UsageError. `timeout`: how long the server may leave a bounded call
  // unanswered. Does not connect yet.
  explicit Connection(std::string uri, std::chrono::milliseconds timeout = kDefaultSinkTimeout);
  ~Connection();

  // "postgres host:port/dbname", for logs and reports (no password).
  const std::string& where() const { return where_; }
  // The connection, made first when there is none or it broke; `on_connect` runs on each new
  // one (a throw from it drops the connection, so the next call starts over). Throws
  // RetryableError when the server cannot be reached or is starting, FatalError when it refuses.
  PGconn* get(const std::function<void(PGconn*)>& on_connect = {});
  void reset();

  // Runs `call`, blocking libpq calls on the current connection returning a value, under the
  // deadline: a server that leaves them unanswered for the timeout gets its socket shut down, so
  // they fail at once; the connection is then dropped and this throws RetryableError ("no answer
  // to <what> in N s") instead of what `call` returned or threw.
  template <typename Call>
  auto bounded(std::string_view what, Call&& call) -> decltype(call()) {
    watchdog_.arm(PQsocket(conn_.get()), timeout_);
    auto result = [&] {
      try {
        return call();
      } catch (...) {
        answered(what);
        throw;
      }
    }();
    answered(what);
    return result;
  }
  // exec() on the current connection, bounded.
  Result exec(const std::string& sql, const std::vector<std::string>& params = {},
              ExecStatusType expect = PGRES_COMMAND_OK);
  // Several statements (separated by ';', values in them as literal()) in one round trip, over
  // the simple protocol, bounded: the last one's result, which must be `expect`; the first
  // statement that fails stops the rest, and its error is thrown as throw_for does, named `what`.
  Result exec_script(const std::string& what, const std::string& sql, ExecStatusType expect = PGRES_COMMAND_OK);
  // The same, with each statement's result in order, up to and including that of a COPY ... FROM
  // STDIN (the connection is then copying in: the statements after it run once the rows are in).
  std::vector<Result> exec_each(const std::string& what, const std::string& sql);
  // `value` as a quoted SQL string literal, escaped for the current connection.
  std::string literal(std::string_view value);
  // After an error: ROLLBACK of the transaction left open, if any, bounded (a server that does
  // not answer gets its connection dropped). Throws nothing: the error being handled is the one
  // to tell.
  void roll_back() noexcept;

 private:
  struct ConnDeleter {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  // Disarms the deadline; when it had passed, drops the connection and throws RetryableError.
  void answered(std::string_view what);

  std::string uri_;  // for libpq
  std::string synchronous_commit_;
  std::string where_;
  std::chrono::milliseconds timeout_;
  core::IoWatchdog watchdog_;
  std::unique_ptr<PGconn, ConnDeleter> conn_;
};

}  // namespace streamlab::sinks::postgres

#pragma once
// The Redis address a --sink names: redis[s]://[user[:password]@]host[:port][/db][?record=FILE&cacert=FILE]
//   rediss: TLS; the server's certificate must name the host dialled and chain to a trusted CA;
//   host  a name or an IPv4 address, 127.0.0.1 if empty; port 6379 if absent; db 0 if absent;
//   user and password for AUTH (ACL user, or the default user with only a password; without one
//   in the URI the sink takes $REDISCLI_AUTH, as redis-cli does);
//   record: the sink also appends every transaction Redis applied to FILE, in Redis's protocol,
//   so that `redis-cli --pipe < FILE` replays what was stored (no credentials in it);
//   cacert: with rediss://, a PEM file of the CAs trusted to sign the server's certificate
//   (redis-cli's --cacert); without it, the system's. Parameters are percent-decoded (%XX).
// A malformed address is a core::UsageError (exit code 2); its text never holds the password.

#include <string>
#include <string_view>

namespace streamlab::sinks {

struct RedisUri {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string user, password;  // empty: none
  std::string record;          // ?record=FILE, empty: none
  bool tls = false;            // rediss://
  std::string cacert;          // ?cacert=FILE, empty: the system's CAs

  // "redis host:port/db" ("rediss ..." with TLS), for logs and reports (no credentials).
  std::string describe() const;
};

RedisUri parse_redis_uri(std::string_view uri);

// A --table used as a key prefix: non-empty, no spaces or line breaks. Throws UsageError.
void check_redis_prefix(std::string_view prefix);

}  // namespace streamlab::sinks

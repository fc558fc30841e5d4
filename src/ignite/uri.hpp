#pragma once
// The sink address: ignite://host[:port][,host[:port]...][?table=NAME&user=U&password=P&tls=true&cacert=FILE]
//   host   a name, an IPv4 address or an IPv6 address in brackets ([::1]);
//   port   the thin-client port, 10800 if absent;
//   several addresses: nodes of one cluster, tried in turn (the client goes on with another
//          when the one it uses fails);
//   table  the SQL table the sink writes (an SQL identifier: letters, digits, '_');
//   user, password  credentials for a cluster with authentication (percent-encoded if needed);
//          a user without a password takes $STREAMLAB_IGNITE_PASSWORD, kept out of command lines;
//   tls    true: the thin-client port speaks TLS (SSL on the client connector), and the server's
//          certificate must name the host dialled and chain to a trusted CA;
//   cacert a PEM file of the CAs trusted to sign it (implies tls=true; without it, the system's).
// A malformed address is a core::UsageError naming what is wrong (exit code 2).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ignite/client.hpp"

namespace streamlab::ignite {

struct IgniteUri {
  std::vector<Address> addresses;  // at least one
  std::optional<std::string> table;
  std::optional<std::string> user;
  std::optional<std::string> password;
  std::optional<bool> tls;
  std::optional<std::string> cacert;

  ClientOptions client_options() const;
  // The address without the password, for status lines and logs.
  std::string redacted() const;
};

IgniteUri parse_uri(std::string_view uri);

}  // namespace streamlab::ignite

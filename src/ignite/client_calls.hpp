#pragma once
// Inside Client only (client.cpp, client_sql.cpp): how an operation is sent and its answer
// decoded. Not for users of the client.

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "ignite/client.hpp"
#include "ignite/errors.hpp"

namespace streamlab::ignite {

template <typename WriteBody>
Client::Response Client::call(std::int16_t op_code, std::string_view what, WriteBody&& write_body) {
  require_connected(what);
  const std::int64_t id = ++next_request_id_;
  Request request(op_code, id);
  write_body(request.body());  // may throw std::invalid_argument: nothing was sent
  return exchange(*connection_, request.finish(), id, what);
}

template <typename WriteBody>
Client::Response Client::call_keyed(std::string_view cache, const Value& key, std::int16_t op_code,
                                    std::string_view what, WriteBody&& write_body) {
  require_connected(what);
  Connection& connection = route(cache, key);
  const std::int64_t id = ++next_request_id_;
  Request request(op_code, id);
  write_body(request.body());  // may throw std::invalid_argument: nothing was sent
  return exchange(connection, request.finish(), id, what);
}

template <typename Decode>
auto Client::decode(const Response& response, std::string_view what, Decode&& decode_body) {
  try {
    Reader r = response.reader(this);
    auto result = decode_body(r);
    r.expect_end("response");
    return result;
  } catch (const ProtocolError& e) {
    close();
    throw ProtocolError(fmt::format("ignite {}: {}: {}", peer().to_string(), what, e.what()));
  }
}

}  // namespace streamlab::ignite

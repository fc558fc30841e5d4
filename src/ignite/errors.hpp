#pragma once
// Errors of the Ignite thin client, by what the caller should do about them:
//   ConnectionError  the connection is gone or never came up: reconnect (with backoff) and retry;
//   ServerError      the server answered with an error status: fix the request (or the cluster);
//   ProtocolError    the server's bytes do not follow the protocol: the connection is closed.
// All of them are core::RuntimeFailure, so a command that lets one escape exits with code 1.

#include <cstdint>
#include <string>

#include "core/errors.hpp"

namespace streamlab::ignite {

struct Error : core::RuntimeFailure {
  using core::RuntimeFailure::RuntimeFailure;
};

// Malformed, truncated or unexpected bytes from the server (or in a buffer being decoded).
struct ProtocolError : Error {
  using Error::Error;
};

// Connection refused, reset, timed out or closed; also a node that refuses thin clients for
// now (starting, or in recovery). Retryable: nothing of the failed request is known to have
// been applied or not, so retry only what is idempotent.
struct ConnectionError : Error {
  using Error::Error;
};

// Status codes the server sends (ClientStatus in Ignite's sources).
namespace status {
inline constexpr std::int32_t kFailed = 1;
inline constexpr std::int32_t kInvalidOpCode = 2;
inline constexpr std::int32_t kFunctionalityDisabled = 100;
inline constexpr std::int32_t kCacheDoesNotExist = 1000;
inline constexpr std::int32_t kCacheExists = 1001;
inline constexpr std::int32_t kTooManyCursors = 1010;
inline constexpr std::int32_t kResourceDoesNotExist = 1011;
inline constexpr std::int32_t kSecurityViolation = 1012;
inline constexpr std::int32_t kTxLimitExceeded = 1020;
inline constexpr std::int32_t kTxNotFound = 1021;
inline constexpr std::int32_t kAuthFailed = 2000;
}  // namespace status

// The server executed the request and answered with a non-zero status and a message.
class ServerError : public Error {
 public:
  ServerError(std::int32_t status, std::string server_message, const std::string& context)
      : Error(context + ": server error " + std::to_string(status) + ": " + server_message),
        status_(status),
        server_message_(std::move(server_message)) {}

  std::int32_t status() const { return status_; }
  const std::string& server_message() const { return server_message_; }

 private:
  std::int32_t status_;
  std::string server_message_;
};

}  // namespace streamlab::ignite

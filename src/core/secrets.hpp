#pragma once
// Passwords out of text that is printed, logged or written to a report: every URI's userinfo
// password (scheme://user:PASSWORD@host, up to the last '@' of the URI, as the URI parsers read
// it) and every password, token or secret given as a key=value pair (a URI's ?password=, libpq's
// `password=...` keyword form, quoted or not) become "***". Anything else is left as it is.

#include <string>
#include <string_view>

namespace streamlab::core {

std::string redact_secrets(std::string_view text);

// A secret given on the command line as `env:NAME` is read from that environment variable (so it
// stays out of /proc/<pid>/cmdline); any other value is itself. UsageError naming `flag` when the
// variable is not set or empty.
std::string from_environment(std::string_view flag, const std::string& value);

}  // namespace streamlab::core

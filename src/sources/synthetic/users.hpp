#pragma once
// The synthetic stream's users: rendered once, when the generator starts; a post then copies
// its author's JSON whole.

#include <cstdint>
#include <string>

#include "sources/synthetic/json_writer.hpp"
#include "sources/synthetic/random.hpp"

namespace streamlab::sources::synthetic {

struct User {
  std::uint64_t id = 0;
  Decimal id_text;
  std::string screen_name;  // ASCII, no escaping needed
  std::string name;         // raw UTF-8
  std::string json;         // the complete user object
};

// A user drawn from `rng`. Popular ones (the accounts that get retweeted) have more followers,
// richer profiles and a site.
User make_user(Random& rng, bool popular);

}  // namespace streamlab::sources::synthetic

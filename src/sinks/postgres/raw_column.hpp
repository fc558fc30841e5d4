#pragma once
// What the PostgreSQL rows table keeps of each message's document besides its fields (consume
// --raw): nothing, a json column or a jsonb column named raw.

namespace streamlab::sinks {

enum class RawColumn { None, Json, Jsonb };

}  // namespace streamlab::sinks

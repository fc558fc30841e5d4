// libFuzzer target: every decoder of Ignite server answers over arbitrary bytes. Built and run
// by tests/fuzz/run (clang, -fsanitize=fuzzer,address,undefined).

#include <cstddef>
#include <cstdint>

#include "fuzz/ignite_decoders.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  streamlab::testing::decode_all_responses({data, size});
  return 0;
}

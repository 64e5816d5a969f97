#pragma once
// FNV-1a (64-bit): a hash that is the same on every platform and compiler, used to
// derive per-layer seeds from names and to fingerprint files (sweep resumption).
#include <cstdint>
#include <string_view>

namespace itera {

uint64_t stable_hash(std::string_view text);

}  // namespace itera

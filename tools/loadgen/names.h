// Readable, unique, deterministic names for the simulated universe, so the
// dashboard shows "#sunset" and "calm_otter" rather than "tag17".
#ifndef PULSE_TOOLS_LOADGEN_NAMES_H_
#define PULSE_TOOLS_LOADGEN_NAMES_H_

#include <cstdint>
#include <string>

namespace pulse::loadgen {

// The name of account `index` (0-based); distinct indices give distinct names.
std::string AccountName(uint64_t index);

// The hashtag (without '#') of index `index`; distinct indices, distinct tags.
std::string HashtagName(uint64_t index);

// The id of post `number` of the universe of `seed`.
std::string PostId(uint64_t seed, uint64_t number);

// The id of simulated user `index`.
std::string UserId(uint64_t index);

// The platform account `index` publishes on.
const char* PlatformOf(uint64_t index);

}  // namespace pulse::loadgen

#endif  // PULSE_TOOLS_LOADGEN_NAMES_H_

// Shared by the fuzz targets: a failed property is a crash (libFuzzer keeps
// the input), with a line saying which property.
#ifndef PULSE_TOOLS_FUZZ_FUZZ_CHECK_H_
#define PULSE_TOOLS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

// Aborts with `what` when `condition` is false; active in every build type.
#define PULSE_FUZZ_CHECK(condition, what)                                 \
  do {                                                                    \
    if (!(condition)) {                                                   \
      std::fprintf(stderr, "%s:%d: property failed: %s (%s)\n", __FILE__, \
                   __LINE__, what, #condition);                           \
      std::abort();                                                       \
    }                                                                     \
  } while (0)

#endif  // PULSE_TOOLS_FUZZ_FUZZ_CHECK_H_

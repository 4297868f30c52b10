// The command line of Pulse's binaries, parsed by Abseil's flags the same way
// in each. Library pulse_log.
#ifndef PULSE_SERVER_COMMAND_LINE_H_
#define PULSE_SERVER_COMMAND_LINE_H_

#include <vector>

#include "absl/strings/string_view.h"

namespace pulse::server {

// Exit status of a command line that cannot be parsed (an unknown flag, a
// bad value), as command-line tools use it; 1 is left for failures.
inline constexpr int kExitUsage = 2;

// Parses argv and returns the positional arguments (argv[0] first).
// `usage` is what --help prints first; --help (and --helpfull) list the flags
// defined in files whose path ends with `main_file`; --version prints the
// program's name and Pulse's version. Abseil ends the process itself after
// --help or --version, and on a flag it cannot parse, with status 1 either
// way: here the first end with 0, the second with kExitUsage.
std::vector<char*> ParseCommandLine(int argc, char** argv,
                                    absl::string_view usage,
                                    absl::string_view main_file);

// ParseCommandLine for a program that takes flags only: an argument that is
// not a flag (`--sync_writes false` leaves "false" behind, and the flag on)
// ends the process with kExitUsage, saying so.
void ParseFlagsOnly(int argc, char** argv, absl::string_view usage,
                    absl::string_view main_file);

}  // namespace pulse::server

#endif  // PULSE_SERVER_COMMAND_LINE_H_

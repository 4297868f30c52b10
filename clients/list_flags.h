// Repeatable list flags for the `pulse` tool. An Abseil flag given twice
// keeps only its last value, so `--post=a --post=b` would silently watch b
// alone; this joins the occurrences of the named flags into one comma list
// before Abseil parses the command line.
#ifndef PULSE_CLIENTS_LIST_FLAGS_H_
#define PULSE_CLIENTS_LIST_FLAGS_H_

#include <string>
#include <vector>

namespace pulse {

// Returns `args` (argv[0] first) with every occurrence of each flag in
// `names` (`--name=v`, `-name=v`, `--name v`, `-name v`) joined into one
// `--name=v1,v2` at the place of the first; empty values are dropped. Flags
// after a bare `--` are left alone.
std::vector<std::string> JoinRepeatedListFlags(
    const std::vector<std::string>& args,
    const std::vector<std::string>& names);

}  // namespace pulse

#endif  // PULSE_CLIENTS_LIST_FLAGS_H_

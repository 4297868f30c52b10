#include "server/command_line.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace pulse::server {
namespace {

// While Abseil parses, the status an exit from inside it should have:
// -1 when not parsing.
int g_parse_exit_status = -1;

void ExitFromFlagParsing() {
  if (g_parse_exit_status < 0) return;
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  std::_Exit(g_parse_exit_status);
}

bool AsksForHelp(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--") return false;
    for (absl::string_view help : {"help", "helpfull", "helpshort",
                                   "helppackage", "helpmatch", "version"}) {
      for (absl::string_view dashes : {"-", "--"}) {
        if (arg == absl::StrCat(dashes, help) ||
            absl::StartsWith(arg, absl::StrCat(dashes, help, "="))) {
          return true;
        }
      }
    }
  }
  return false;
}

}  // namespace

std::vector<char*> ParseCommandLine(int argc, char** argv,
                                    absl::string_view usage,
                                    absl::string_view main_file) {
  absl::FlagsUsageConfig config;
  const std::string file(main_file);
  config.contains_help_flags = [file](absl::string_view path) {
    return absl::EndsWith(path, file);
  };
  config.contains_helpshort_flags = config.contains_help_flags;
  std::string name = argc > 0 ? argv[0] : "pulse";
  name = name.substr(name.rfind('/') + 1);  // npos + 1 == 0
  config.version_string = [name] {
    return absl::StrCat(name, " ", PULSE_VERSION, "\n");
  };
  absl::SetFlagsUsageConfig(config);
  absl::SetProgramUsageMessage(usage);
  g_parse_exit_status = AsksForHelp(argc, argv) ? 0 : kExitUsage;
  static const bool registered = std::atexit(ExitFromFlagParsing) == 0;
  (void)registered;
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  g_parse_exit_status = -1;
  return positional;
}

void ParseFlagsOnly(int argc, char** argv, absl::string_view usage,
                    absl::string_view main_file) {
  const std::vector<char*> positional =
      ParseCommandLine(argc, argv, usage, main_file);
  if (positional.size() <= 1) return;
  std::string name = positional[0];
  name = name.substr(name.rfind('/') + 1);
  std::cerr << name << ": unexpected argument '" << positional[1]
            << "': this program takes flags only (a value goes as "
               "--flag=value; a boolean flag is --flag or --noflag)\n";
  std::exit(kExitUsage);
}

}  // namespace pulse::server

#include "tools/loadgen/names.h"

#include <iterator>

#include "absl/strings/str_cat.h"
#include "tools/loadgen/rng.h"

namespace pulse::loadgen {
namespace {

constexpr const char* kAdjectives[] = {
    "calm",   "bold",   "bright", "cosmic", "daily",  "eager",  "fancy",
    "gentle", "happy",  "indie",  "jolly",  "keen",   "lucky",  "mellow",
    "neon",   "odd",    "proud",  "quiet",  "rapid",  "sunny",  "tiny",
    "urban",  "vivid",  "wild",   "young",  "zesty",  "amber",  "blue",
    "crisp",  "dusty",  "epic",   "fuzzy",  "golden", "humble", "icy",
    "jazzy",  "kind",   "lunar",  "misty",  "noble",  "olive",  "pixel",
    "retro",  "silver", "true",   "ultra",  "velvet", "witty",  "xeno",
    "zen"};

constexpr const char* kNouns[] = {
    "otter",  "falcon", "maple",   "comet",  "harbor", "panda",   "river",
    "tiger",  "cactus", "dune",    "ember",  "fjord",  "garden",  "heron",
    "island", "jungle", "koala",   "lotus",  "meadow", "nebula",  "orchid",
    "pepper", "quartz", "raven",   "summit", "tundra", "unicorn", "valley",
    "walrus", "yak",    "zebra",   "atlas",  "bison",  "cedar",   "delta",
    "echo",   "fox",    "glacier", "hawk",   "ivy",    "jade",    "kite",
    "lynx",   "moss",   "nova",    "oak",    "pine",   "reef",    "sparrow",
    "willow"};

constexpr const char* kTopics[] = {
    "sunset",      "coffee",     "worldcup",     "election",
    "launchday",   "ai",         "foodie",       "travel",
    "fitness",     "music",      "gaming",       "crypto",
    "fashion",     "science",    "movies",       "books",
    "startup",     "climate",    "space",        "football",
    "nba",         "art",        "photography",  "memes",
    "tech",        "health",     "recipes",      "pets",
    "dogs",        "cats",       "weekend",      "mondaymotivation",
    "throwback",   "nature",     "beach",        "mountains",
    "concert",     "festival",   "newmusic",     "vlog",
    "diy",         "gardening",  "coding",       "opensource",
    "design",      "marketing",  "finance",      "investing",
    "realestate",  "cars",       "cycling",      "running",
    "yoga",        "meditation", "skincare",     "makeup",
    "streetstyle", "vintage",    "anime",        "kpop",
    "comedy",      "podcast",    "news",         "breaking",
    "weather",     "snow",       "summer",       "winter",
    "spring",      "autumn",     "halloween",    "christmas",
    "newyear",     "valentines", "olympics",     "tennis",
    "golf",        "f1",         "esports",      "retrogaming",
    "baking",      "vegan",      "bbq",          "wine",
    "beer",        "tea",        "brunch",       "streetfood",
    "sushi",       "pizza",      "architecture", "history",
    "education",   "parenting",  "wedding",      "roadtrip",
    "camping",     "hiking",     "surfing",      "skiing"};

constexpr const char* kPlatforms[] = {"x",       "instagram", "tiktok",
                                      "youtube", "linkedin",  "threads"};

constexpr uint64_t kNumAdjectives = std::size(kAdjectives);
constexpr uint64_t kNumNouns = std::size(kNouns);
constexpr uint64_t kNumTopics = std::size(kTopics);

}  // namespace

std::string AccountName(uint64_t index) {
  // (adjective, noun, round) is a bijective numbering of the indices.
  const uint64_t per_round = kNumAdjectives * kNumNouns;
  const uint64_t round = index / per_round;
  const uint64_t within = index % per_round;
  // The noun is shifted by the adjective so neighbouring (and so similarly
  // popular) accounts do not all share one noun.
  const uint64_t adjective = within % kNumAdjectives;
  const uint64_t noun = (within / kNumAdjectives + 7 * adjective) % kNumNouns;
  std::string name = absl::StrCat(kAdjectives[adjective], "_", kNouns[noun]);
  if (round > 0) absl::StrAppend(&name, "_", round);
  return name;
}

std::string HashtagName(uint64_t index) {
  const uint64_t round = index / kNumTopics;
  if (round == 0) return kTopics[index];
  // Later tags combine a topic with a numbered suffix word: "coffee2024"-like
  // tags keep the dashboard readable while staying unique.
  return absl::StrCat(kTopics[index % kNumTopics], round);
}

std::string PostId(uint64_t seed, uint64_t number) {
  return absl::StrCat("s", seed, "-p", number);
}

std::string UserId(uint64_t index) { return absl::StrCat("u", index); }

const char* PlatformOf(uint64_t index) {
  // Most accounts are on the big two; the mix is fixed per account.
  const uint64_t h = Mix64(index) % 100;
  if (h < 35) return kPlatforms[0];
  if (h < 60) return kPlatforms[1];
  if (h < 80) return kPlatforms[2];
  if (h < 90) return kPlatforms[3];
  if (h < 96) return kPlatforms[4];
  return kPlatforms[5];
}

}  // namespace pulse::loadgen

#include "bridge/update_printer.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bridge/method_registry.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace pulse::bridge {
namespace {

using google::protobuf::util::MessageDifferencer;

v1::TopPostsResponse Board(int64_t top_value) {
  v1::TopPostsResponse board;
  board.set_metric(v1::ENGAGEMENTS);
  board.mutable_window()->set_seconds(3600);
  for (int i = 0; i < 10; ++i) {
    v1::TopPost* post = board.add_posts();
    post->set_rank(i + 1);
    post->set_post_id(absl::StrCat("post-", i));
    post->add_hashtags("tag \"quoted\"");
    post->set_value(top_value - i);
  }
  return board;
}

v1::Update Full(uint64_t seq, int64_t top_value) {
  v1::Update update;
  update.set_seq(seq);
  update.mutable_time()->set_seconds(1'700'000'000);
  update.mutable_global()->set_likes(7);
  update.mutable_global()->set_engagement_rate(0.25);
  *update.mutable_top_posts() = Board(top_value);
  update.mutable_trending()->add_hashtags()->set_hashtag("launch");
  v1::PostStats* post = update.add_posts();
  post->set_post_id(absl::StrCat("p", seq));
  post->set_likes(static_cast<int64_t>(seq));
  return update;
}

// The JSON object `json` holds, keys in any order.
google::protobuf::Struct Object(const std::string& json) {
  google::protobuf::Struct object;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &object).ok())
      << json;
  return object;
}

// Print gives the object ToJson gives, and leaves the update as it was.
void ExpectPrintsAsToJson(UpdatePrinter& printer, const v1::Update& update) {
  v1::Update copy = update;
  absl::StatusOr<std::string> printed = printer.Print(&copy);
  ASSERT_TRUE(printed.ok()) << printed.status();
  absl::StatusOr<std::string> whole = MethodRegistry::ToJson(update);
  ASSERT_TRUE(whole.ok());
  EXPECT_TRUE(MessageDifferencer::Equals(Object(*printed), Object(*whole)))
      << *printed << "\nagainst\n"
      << *whole;
  EXPECT_TRUE(MessageDifferencer::Equals(copy, update));
}

TEST(UpdatePrinter, PrintsTheObjectToJsonPrints) {
  UpdatePrinter printer;
  ExpectPrintsAsToJson(printer, Full(1, 100));
  ExpectPrintsAsToJson(printer, Full(2, 100));  // parts found printed
  ExpectPrintsAsToJson(printer, v1::Update());  // no parts, all defaults
  v1::Update global_only;
  global_only.set_snapshot(true);
  global_only.mutable_global();  // set, every field at its default
  ExpectPrintsAsToJson(printer, global_only);
  v1::Update board_only;
  *board_only.mutable_top_posts() = Board(5);
  ExpectPrintsAsToJson(printer, board_only);
}

TEST(UpdatePrinter, PrintsEachDistinctPartOnce) {
  UpdatePrinter printer;
  for (uint64_t seq = 1; seq <= 50; ++seq) {
    v1::Update update = Full(seq, 100);  // other posts, the same parts
    ASSERT_TRUE(printer.Print(&update).ok());
  }
  EXPECT_EQ(printer.parts_printed(), 3u);  // global, board, trending
  v1::Update changed = Full(51, 101);      // the board changed
  ASSERT_TRUE(printer.Print(&changed).ok());
  EXPECT_EQ(printer.parts_printed(), 4u);
  ExpectPrintsAsToJson(printer, changed);
}

TEST(UpdatePrinter, BoardsThatSerializeAlikePrintApart) {
  UpdatePrinter printer;
  v1::Update update;
  // A TopPost and a TrendingHashtag of rank 1 and id "x" have the same bytes,
  // and so do the two boards around them.
  v1::TopPost* post = update.mutable_top_posts()->add_posts();
  post->set_rank(1);
  post->set_post_id("x");
  v1::TrendingHashtag* tag = update.mutable_trending()->add_hashtags();
  tag->set_rank(1);
  tag->set_hashtag("x");
  ASSERT_EQ(update.top_posts().SerializeAsString(),
            update.trending().SerializeAsString());
  ExpectPrintsAsToJson(printer, update);
  EXPECT_EQ(printer.parts_printed(), 2u);
}

TEST(UpdatePrinter, HoldsAtMostMaxPartsAndKeepsThoseInUse) {
  UpdatePrinter printer(/*max_parts=*/8);
  for (int i = 0; i < 100; ++i) {
    v1::Update update;
    *update.mutable_top_posts() = Board(i);  // a board of the past each time
    update.mutable_global()->set_likes(1);   // the same totals throughout
    ASSERT_TRUE(printer.Print(&update).ok());
    EXPECT_LE(printer.parts_held(), 8u);
  }
  EXPECT_EQ(printer.parts_printed(), 101u);  // the totals only once
  ExpectPrintsAsToJson(printer, Full(1, 7));
}

TEST(UpdatePrinter, ThreadsShareParts) {
  UpdatePrinter printer(/*max_parts=*/4);
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t seq = 1; seq <= 200; ++seq) {
        v1::Update update = Full(seq, static_cast<int64_t>(seq % 5));
        const absl::StatusOr<std::string> printed = printer.Print(&update);
        if (!printed.ok() ||
            !MessageDifferencer::Equals(
                Object(*printed), Object(*MethodRegistry::ToJson(update))))
          ++wrong[t];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace pulse::bridge

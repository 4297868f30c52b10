#include "server/boards.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "server/proto_time.h"
#include "storage/test_util.h"

namespace pulse::server {
namespace {

const absl::Time kNoon = absl::FromUnixSeconds(1'800'000'000);

storage::AppliedEngagement Like(const std::string& post, int64_t n,
                                absl::Time t,
                                std::vector<std::string> tags = {}) {
  storage::AppliedEngagement e;
  e.post_id = post;
  e.account_id = "acct";
  e.hashtags = std::move(tags);
  e.kind = storage::kLikes;
  e.count = n;
  e.time = t;
  return e;
}

v1::TopPostsRequest TopRequest(int limit) {
  v1::TopPostsRequest r;
  *r.mutable_window() = ToProto(absl::Hours(1));
  r.set_limit(limit);
  return r;
}

v1::TrendingHashtagsRequest TrendingRequest() {
  v1::TrendingHashtagsRequest r;
  *r.mutable_window() = ToProto(absl::Hours(1));
  r.set_limit(5);
  return r;
}

// The answer of a board that must be ready.
template <typename Response>
Response Must(absl::StatusOr<Response> r) {
  if (!r.ok()) {
    ADD_FAILURE() << r.status();
    return Response();
  }
  return *std::move(r);
}

std::vector<std::string> Ids(const absl::StatusOr<v1::TopPostsResponse>& r) {
  std::vector<std::string> out;
  const v1::TopPostsResponse top = Must(r);
  for (const v1::TopPost& p : top.posts()) out.push_back(p.post_id());
  return out;
}

std::vector<std::string> Tags(
    const absl::StatusOr<v1::TrendingHashtagsResponse>& r) {
  std::vector<std::string> out;
  const v1::TrendingHashtagsResponse trending = Must(r);
  for (const v1::TrendingHashtag& t : trending.hashtags())
    out.push_back(absl::StrCat(t.hashtag(), "=", t.current()));
  return out;
}

// A fixed pseudo-random sequence (an LCG): the same engagements every run.
class Lcg {
 public:
  explicit Lcg(uint64_t seed) : x_(seed) {}
  // A number in [0, n).
  uint64_t operator()(uint64_t n) {
    x_ = x_ * 6364136223846793005u + 1442695040888963407u;
    return (x_ >> 33) % n;
  }

 private:
  uint64_t x_;
};

// Every board of `got` answers as the same board of `want`: the top posts by
// all engagements and by likes, and the trending hashtags, in each window.
void ExpectSameBoards(Boards& got, Boards& want,
                      const std::vector<absl::Duration>& windows) {
  for (absl::Duration window : windows) {
    SCOPED_TRACE(absl::FormatDuration(window));
    for (v1::Metric metric : {v1::METRIC_UNSPECIFIED, v1::LIKES}) {
      v1::TopPostsRequest request;
      *request.mutable_window() = ToProto(window);
      request.set_limit(100);
      request.set_metric(metric);
      const v1::TopPostsResponse top = Must(want.TopPosts(request));
      const v1::TopPostsResponse other = Must(got.TopPosts(request));
      ASSERT_GT(top.posts_size(), 0);
      ASSERT_EQ(other.posts_size(), top.posts_size());
      for (int i = 0; i < top.posts_size(); ++i) {
        EXPECT_EQ(other.posts(i).post_id(), top.posts(i).post_id()) << i;
        EXPECT_EQ(other.posts(i).value(), top.posts(i).value()) << i;
        EXPECT_EQ(other.posts(i).account_id(), top.posts(i).account_id()) << i;
      }
    }
    v1::TrendingHashtagsRequest request;
    *request.mutable_window() = ToProto(window);
    request.set_limit(20);
    const v1::TrendingHashtagsResponse trending = Must(want.Trending(request));
    const v1::TrendingHashtagsResponse other = Must(got.Trending(request));
    ASSERT_GT(trending.hashtags_size(), 0);
    EXPECT_EQ(Tags(other), Tags(trending));
    for (int i = 0; i < trending.hashtags_size() && i < other.hashtags_size();
         ++i) {
      EXPECT_EQ(other.hashtags(i).previous(), trending.hashtags(i).previous())
          << i;
    }
  }
}

TEST(Boards, TopPostsFollowsAPostThatClimbsAfterARead) {
  storage::ManualClock clock(kNoon);
  Boards boards({absl::Hours(1)}, &clock);
  std::vector<storage::AppliedEngagement> batch;
  for (int i = 0; i < 2000; ++i)
    batch.push_back(Like(absl::StrCat("p", i), 1 + i % 100, kNoon));
  boards.Record(batch);
  EXPECT_EQ(Ids(boards.TopPosts(TopRequest(2))),
            (std::vector<std::string>{"p1099", "p1199"}));
  boards.Record({Like("p5", 1000, kNoon)});
  EXPECT_EQ(Ids(boards.TopPosts(TopRequest(2))),
            (std::vector<std::string>{"p5", "p1099"}));
}

// A post sent again with other hashtags is filed under the new ones: a
// board filtered by hashtag, and every board's entry, follows the post.
TEST(Boards, APostsNewHashtagsReplaceItsOldOnes) {
  storage::ManualClock clock(kNoon);
  Boards boards({absl::Hours(1)}, &clock);
  boards.Record({Like("hq", 1, kNoon, {"old"})});
  boards.Record({Like("hq", 1, kNoon, {"new"})});
  v1::TopPostsRequest by_new = TopRequest(5);
  by_new.set_hashtag("new");
  EXPECT_EQ(Ids(boards.TopPosts(by_new)), std::vector<std::string>{"hq"});
  v1::TopPostsRequest by_old = TopRequest(5);
  by_old.set_hashtag("old");
  EXPECT_EQ(Ids(boards.TopPosts(by_old)), std::vector<std::string>{});
  const v1::TopPostsResponse top = Must(boards.TopPosts(TopRequest(5)));
  ASSERT_EQ(top.posts_size(), 1);
  EXPECT_EQ(std::vector<std::string>(top.posts(0).hashtags().begin(),
                                     top.posts(0).hashtags().end()),
            std::vector<std::string>{"new"});
}

// A post sent again without an engagement moves on the boards all the same:
// its entry and the filters by account and hashtag follow its metadata.
TEST(Boards, APostSentAgainWithoutEngagementsTakesItsNewMetadata) {
  storage::ManualClock clock(kNoon);
  Boards boards({absl::Hours(1)}, &clock);
  storage::AppliedEngagement like = Like("hq", 3, kNoon, {"old"});
  like.account_id = "a1";
  boards.Record({like});
  boards.UpdatePosts({storage::PostMeta{"untracked", "a9", "x", {"t"}, kNoon},
                      storage::PostMeta{"hq", "a1", "x", {"mid"}, kNoon},
                      storage::PostMeta{"hq", "a2", "x", {"new"}, kNoon}});
  v1::TopPostsRequest by_new = TopRequest(5);
  by_new.set_hashtag("new");
  by_new.set_account_id("a2");
  EXPECT_EQ(Ids(boards.TopPosts(by_new)), std::vector<std::string>{"hq"});
  v1::TopPostsRequest by_old = TopRequest(5);
  by_old.set_account_id("a1");
  EXPECT_EQ(Ids(boards.TopPosts(by_old)), std::vector<std::string>{});
  const v1::TopPostsResponse top = Must(boards.TopPosts(TopRequest(5)));
  ASSERT_EQ(top.posts_size(), 1);
  EXPECT_EQ(top.posts(0).account_id(), "a2");
  EXPECT_EQ(top.posts(0).value(), 3);
  // Only posts the boards hold are kept.
  v1::TopPostsRequest by_a9 = TopRequest(5);
  by_a9.set_account_id("a9");
  EXPECT_EQ(Ids(boards.TopPosts(by_a9)), std::vector<std::string>{});
}

// A post engaged with before its metadata came (counted for the post only)
// takes the metadata when it comes, as a rebuild after a restart would read
// it: the boards filtered by its account and hashtag hold it at once.
TEST(Boards, APostWhoseMetadataCameAfterItsEngagementsTakesIt) {
  storage::ManualClock clock(kNoon);
  Boards boards({absl::Hours(1)}, &clock);
  boards.Record({Like("early", 9, kNoon)});  // no account: not known yet
  v1::TopPostsRequest by_a9 = TopRequest(5);
  by_a9.set_account_id("a9");
  EXPECT_EQ(Ids(boards.TopPosts(by_a9)), std::vector<std::string>{});
  boards.UpdatePosts({storage::PostMeta{"early", "a9", "x", {"q"}, kNoon}});
  const v1::TopPostsResponse top = Must(boards.TopPosts(by_a9));
  ASSERT_EQ(top.posts_size(), 1);
  EXPECT_EQ(top.posts(0).post_id(), "early");
  EXPECT_EQ(top.posts(0).value(), 9);
  v1::TopPostsRequest by_q = TopRequest(5);
  by_q.set_hashtag("q");
  EXPECT_EQ(Ids(boards.TopPosts(by_q)), std::vector<std::string>{"early"});
}

TEST(Boards, TopPostsDropsWhatExpired) {
  storage::ManualClock clock(kNoon);
  Boards boards({absl::Hours(1)}, &clock);
  boards.Record({Like("old", 50, kNoon)});
  clock.Advance(absl::Minutes(30));
  boards.Record({Like("new", 5, clock.Now())});
  EXPECT_EQ(Ids(boards.TopPosts(TopRequest(1))),
            std::vector<std::string>{"old"});
  clock.Advance(absl::Minutes(31));
  EXPECT_EQ(Ids(boards.TopPosts(TopRequest(1))),
            std::vector<std::string>{"new"});
}

// Nobody reads the boards: what leaves the windows goes all the same.
TEST(Boards, RecordDropsWhatExpiredWithoutARead) {
  storage::ManualClock clock(kNoon);
  Boards boards({absl::Minutes(5)}, &clock);
  for (int minute = 0; minute < 60; ++minute) {
    boards.Record({Like(absl::StrCat("p", minute), 1, clock.Now(), {"t"})});
    clock.Advance(absl::Minutes(1));
  }
  // The last five minutes' posts, and at most one step more.
  EXPECT_LE(boards.tracked_posts(), 6u);
  EXPECT_GE(boards.tracked_posts(), 5u);
}

TEST(Boards, TrendingAnswersAgainWhenTheWindowChanges) {
  storage::ManualClock clock(kNoon);
  Boards boards({absl::Hours(1)}, &clock);
  boards.Record({Like("p1", 3, kNoon, {"cats"})});
  EXPECT_EQ(Tags(boards.Trending(TrendingRequest())),
            std::vector<std::string>{"cats=3"});
  // Asked again unchanged: the same answer, stamped now.
  clock.Advance(absl::Seconds(1));
  const v1::TrendingHashtagsResponse again =
      Must(boards.Trending(TrendingRequest()));
  EXPECT_EQ(Tags(again), std::vector<std::string>{"cats=3"});
  EXPECT_EQ(FromProto(again.as_of()), clock.Now());
  // A new engagement, then expiry, each change the answer.
  clock.Advance(absl::Minutes(2));
  boards.Record({Like("p2", 1, clock.Now(), {"dogs"})});
  EXPECT_EQ(Tags(boards.Trending(TrendingRequest())),
            (std::vector<std::string>{"cats=3", "dogs=1"}));
  clock.Set(kNoon + absl::Minutes(60));
  EXPECT_EQ(Tags(boards.Trending(TrendingRequest())),
            std::vector<std::string>{"dogs=1"});
}

// Record sums a batch per post and per hashtag before touching the windows;
// the boards must answer as if each engagement had been recorded alone, for
// steps of whole seconds, of odd seconds and of fractions of a nanosecond.
TEST(Boards, ABatchCountsAsItsEngagementsOneByOne) {
  const absl::Time now = kNoon + absl::Nanoseconds(123456789);
  storage::ManualClock clock(now);
  const std::vector<absl::Duration> windows = {
      absl::Minutes(2), absl::Minutes(7),
      absl::Hours(1) + absl::Minutes(1) + absl::Seconds(1), absl::Hours(24)};
  Boards batched(windows, &clock);
  Boards single(windows, &clock);
  Lcg next(777);
  std::vector<storage::AppliedEngagement> batch;
  for (int i = 0; i < 3000; ++i) {
    const int post = static_cast<int>(next(1 + next(60)));
    storage::AppliedEngagement e =
        Like(absl::StrCat("p", post), static_cast<int64_t>(next(5)) - 1,
             now - absl::Nanoseconds(static_cast<int64_t>(
                       next(1 + next(uint64_t{30} * 3'600'000'000'000)))),
             {absl::StrCat("t", post % 9), absl::StrCat("u", post % 4)});
    e.kind = static_cast<storage::Slot>(storage::kImpressions + next(5));
    batch.push_back(e);
    single.Record({e});
  }
  batched.Record(batch);
  ExpectSameBoards(batched, single, windows);
}

// A store with 40 posts over 3 accounts and 12 hashtags, on a manual clock
// mid-minute and mid-step, and batches of engagements spread over two days,
// written to the store and recorded by `live` boards.
class BoardsRebuild : public ::testing::Test {
 protected:
  static inline const absl::Time kNow =
      storage::kTestStart + absl::Hours(50) + absl::Seconds(17);
  // Every window whose steps hold whole seconds or whole minutes.
  const std::vector<absl::Duration> windows_ = {
      absl::Minutes(2), absl::Minutes(5), absl::Hours(1), absl::Hours(3),
      absl::Hours(24)};

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    storage::WriteInput posts;
    for (int p = 0; p < 40; ++p) {
      storage::PostMeta& meta = posts.posts.emplace_back();
      meta.post_id = absl::StrCat("p", p);
      meta.account_id = absl::StrCat("a", p % 3);
      meta.hashtags = {absl::StrCat("t", p % 7), absl::StrCat("u", p % 5)};
      meta.published_at = storage::kTestStart;
    }
    ASSERT_TRUE(store_->Write(posts).ok());
  }

  // Writes `n` batches over the first `posts` posts and records them into
  // `live` and `also` (if any).
  void WriteBatches(int n, int posts, Boards* also = nullptr) {
    for (int batch = 0; batch < n; ++batch) {
      storage::WriteInput input;
      for (int i = 0; i < 500; ++i) {
        storage::EngagementEvent& e = input.engagements.emplace_back();
        // Skewed: low post numbers and recent times are the most common.
        e.post_id = absl::StrCat("p", next_(1 + next_(posts)));
        e.kind = static_cast<storage::Slot>(storage::kImpressions + next_(5));
        e.count = 1 + static_cast<int64_t>(next_(4));
        const int64_t ago = static_cast<int64_t>(next_(1 + next_(50 * 3600)));
        e.time = kNow - absl::Seconds(ago) + absl::Seconds(next_(2));
      }
      absl::StatusOr<storage::WriteResult> result = store_->Write(input);
      ASSERT_TRUE(result.ok()) << result.status();
      live_.Record(result->applied);
      if (also != nullptr) also->Record(result->applied);
    }
  }

  // Opens the store (again) in dir_, through env_ if set.
  void OpenStore() {
    store_.reset();
    storage::StoreOptions options;
    options.data_dir = dir_.path() + "/db";
    options.clock = &clock_;
    options.env = env_;
    absl::StatusOr<std::unique_ptr<storage::Store>> store =
        storage::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  storage::ManualClock clock_{kNow};
  storage::ScopedTempDir dir_;
  rocksdb::Env* env_ = nullptr;  // RocksDB's default
  std::unique_ptr<storage::Store> store_;
  Boards live_{windows_, &clock_};
  Lcg next_{12345};
};

// A board rebuilt from the store answers exactly as the board that recorded
// the same engagements live.
TEST_F(BoardsRebuild, AnswersAsTheLiveBoards) {
  WriteBatches(20, 40);
  Boards rebuilt(windows_, &clock_);
  ASSERT_TRUE(rebuilt.Rebuild(*store_).ok());
  ExpectSameBoards(rebuilt, live_, windows_);
}

// While the rebuild runs the boards answer UNAVAILABLE, and what is written
// and recorded meanwhile counts once: the rebuild reads the store as it was
// when it started. The parameter is the number of batches before the rebuild
// (the rest of 20 come during it) and the posts they engage (the others all
// 40), so that either side can hold more posts and be the one merged into.
class BoardsRebuildWhileRecording
    : public BoardsRebuild,
      public ::testing::WithParamInterface<std::pair<int, int>> {};

TEST_P(BoardsRebuildWhileRecording, CountsEveryWriteOnce) {
  const auto [before, before_posts] = GetParam();
  WriteBatches(before, before_posts);
  Boards rebuilt(windows_, &clock_);
  absl::Notification gate;
  rebuilt.set_rebuild_gate_for_testing(&gate);
  ASSERT_TRUE(rebuilt.StartRebuild(*store_).ok());
  EXPECT_FALSE(rebuilt.ready());
  const absl::StatusOr<v1::TopPostsResponse> early =
      rebuilt.TopPosts(TopRequest(3));
  EXPECT_EQ(early.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(early.status().message().find("being rebuilt"),
            absl::string_view::npos)
      << early.status();
  EXPECT_EQ(rebuilt.Trending(TrendingRequest()).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(rebuilt.WaitForRebuild(absl::ZeroDuration()).code(),
            absl::StatusCode::kDeadlineExceeded);

  WriteBatches(20 - before, before_posts == 40 ? 5 : 40, &rebuilt);
  clock_.Set(kNow + absl::Seconds(30));  // a step of every window expires
  gate.Notify();
  ASSERT_TRUE(rebuilt.WaitForRebuild(absl::Minutes(1)).ok());
  EXPECT_TRUE(rebuilt.ready());
  ExpectSameBoards(rebuilt, live_, windows_);
}

INSTANTIATE_TEST_SUITE_P(BeforeAndDuring, BoardsRebuildWhileRecording,
                         ::testing::Values(std::pair(2, 5), std::pair(18, 40)));

// A file system whose table (.sst) files fail every read while broken, as a
// failing disk's would.
class UnreadableTablesFs : public rocksdb::FileSystemWrapper {
 public:
  UnreadableTablesFs() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}

  static const char* kClassName() { return "UnreadableTablesFs"; }
  const char* Name() const override { return kClassName(); }

  void SetBroken(bool broken) { broken_ = broken; }

  rocksdb::IOStatus NewRandomAccessFile(
      const std::string& fname, const rocksdb::FileOptions& opts,
      std::unique_ptr<rocksdb::FSRandomAccessFile>* result,
      rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s =
        target()->NewRandomAccessFile(fname, opts, result, dbg);
    if (s.ok() && absl::EndsWith(fname, ".sst"))
      *result = std::make_unique<File>(std::move(*result), &broken_);
    return s;
  }

 private:
  class File : public rocksdb::FSRandomAccessFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSRandomAccessFile> file,
         const std::atomic<bool>* broken)
        : FSRandomAccessFileOwnerWrapper(std::move(file)), broken_(broken) {}

    rocksdb::IOStatus Read(uint64_t offset, size_t n,
                           const rocksdb::IOOptions& options,
                           rocksdb::Slice* result, char* scratch,
                           rocksdb::IODebugContext* dbg) const override {
      if (*broken_) return rocksdb::IOStatus::IOError("injected: unreadable");
      return target()->Read(offset, n, options, result, scratch, dbg);
    }
    rocksdb::IOStatus MultiRead(rocksdb::FSReadRequest* reqs, size_t num_reqs,
                                const rocksdb::IOOptions& options,
                                rocksdb::IODebugContext* dbg) override {
      if (*broken_) return rocksdb::IOStatus::IOError("injected: unreadable");
      return target()->MultiRead(reqs, num_reqs, options, dbg);
    }

   private:
    const std::atomic<bool>* broken_;
  };

  std::atomic<bool> broken_{false};
};

// The store's tables are written, then read again through a disk that
// fails until the test heals it.
class BoardsRebuildFailing : public BoardsRebuild {
 protected:
  BoardsRebuildFailing()
      : fs_(std::make_shared<UnreadableTablesFs>()),
        env_owner_(rocksdb::NewCompositeEnv(fs_)) {
    env_ = env_owner_.get();
  }
  void TearDown() override { store_.reset(); }  // before env_owner_

  // Writes batches into table files, then reopens the store, so that what
  // is read comes from those files rather than a cache.
  void WriteTables() {
    WriteBatches(20, 40);
    ASSERT_TRUE(store_->CompactAll().ok());
    ASSERT_NO_FATAL_FAILURE(OpenStore());
  }

  // The message TopPosts answers with; empty when it answers.
  static std::string TopError(Boards& boards) {
    return std::string(boards.TopPosts(TopRequest(3)).status().message());
  }

  // Waits up to 30 s for `boards` to say that an attempt is being retried;
  // returns what TopPosts answers then.
  static std::string WaitForARetry(Boards& boards) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    std::string error;
    while ((error = TopError(boards)).find("being retried") ==
               std::string::npos &&
           absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    return error;
  }

  std::shared_ptr<UnreadableTablesFs> fs_;
  std::unique_ptr<rocksdb::Env> env_owner_;
};

// An attempt that fails to read the store is retried: the boards answer
// UNAVAILABLE meanwhile, saying so, and once the disk reads again they
// answer as the boards that recorded the same engagements live.
TEST_F(BoardsRebuildFailing, AFailedAttemptIsRetriedOnceTheDiskReadsAgain) {
  ASSERT_NO_FATAL_FAILURE(WriteTables());
  Boards rebuilt(windows_, &clock_);
  rebuilt.set_rebuild_retries_for_testing(6, absl::Milliseconds(200));
  fs_->SetBroken(true);
  ASSERT_TRUE(rebuilt.StartRebuild(*store_).ok());
  const std::string error = WaitForARetry(rebuilt);
  EXPECT_NE(error.find("being retried"), std::string::npos) << error;
  EXPECT_NE(error.find("injected: unreadable"), std::string::npos) << error;
  EXPECT_FALSE(rebuilt.ready());
  fs_->SetBroken(false);
  ASSERT_TRUE(rebuilt.WaitForRebuild(absl::Minutes(1)).ok());
  EXPECT_TRUE(rebuilt.ready());
  ExpectSameBoards(rebuilt, live_, windows_);
}

// A rebuild that fails every attempt gives up, and says why and what to do.
TEST_F(BoardsRebuildFailing, GivesUpAfterItsAttempts) {
  ASSERT_NO_FATAL_FAILURE(WriteTables());
  Boards rebuilt(windows_, &clock_);
  rebuilt.set_rebuild_retries_for_testing(3, absl::Milliseconds(10));
  fs_->SetBroken(true);
  ASSERT_TRUE(rebuilt.StartRebuild(*store_).ok());
  const absl::Status status = rebuilt.WaitForRebuild(absl::Minutes(1));
  EXPECT_FALSE(status.ok());
  EXPECT_FALSE(absl::IsDeadlineExceeded(status)) << status;
  EXPECT_NE(status.message().find("injected: unreadable"),
            absl::string_view::npos)
      << status;
  EXPECT_FALSE(rebuilt.ready());
  const std::string error = TopError(rebuilt);
  EXPECT_NE(error.find("tried 3 times"), std::string::npos) << error;
  EXPECT_NE(error.find("restart the server"), std::string::npos) << error;
  fs_->SetBroken(false);
}

// Boards destroyed while their rebuild waits to retry do not wait it out
// (it fails by hanging).
TEST_F(BoardsRebuildFailing, DestroyingTheBoardsEndsTheWaitForARetry) {
  ASSERT_NO_FATAL_FAILURE(WriteTables());
  fs_->SetBroken(true);
  {
    Boards rebuilt(windows_, &clock_);
    rebuilt.set_rebuild_retries_for_testing(6, absl::Hours(1));
    ASSERT_TRUE(rebuilt.StartRebuild(*store_).ok());
    const std::string error = WaitForARetry(rebuilt);
    ASSERT_NE(error.find("being retried"), std::string::npos) << error;
  }
  fs_->SetBroken(false);
}

// A rebuild still running when the boards go away stops; nothing waits for
// the whole scan or touches the store after. It fails by hanging, or, were
// the rebuild thread left running, by reading the store destroyed below:
// ASan and TSan, which run this test (tools/sanitize.sh), report that.
TEST_F(BoardsRebuild, DestroyingTheBoardsStopsTheRebuild) {
  WriteBatches(5, 40);
  absl::Notification gate;
  {
    Boards rebuilt(windows_, &clock_);
    rebuilt.set_rebuild_gate_for_testing(&gate);
    ASSERT_TRUE(rebuilt.StartRebuild(*store_).ok());
    gate.Notify();
  }
  store_.reset();
}

}  // namespace
}  // namespace pulse::server

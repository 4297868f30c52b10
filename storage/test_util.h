// Test helpers for pulse_storage: a fresh data directory per test.
#ifndef PULSE_STORAGE_TEST_UTIL_H_
#define PULSE_STORAGE_TEST_UTIL_H_

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "storage/clock.h"
#include "storage/store.h"

namespace pulse::storage {

// A new empty directory under the test temp dir, removed on destruction.
class ScopedTempDir {
 public:
  ScopedTempDir() {
    std::string tmpl = ::testing::TempDir() + "pulse_storage_XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr)
      ADD_FAILURE() << "mkdtemp failed for " << tmpl;
    path_ = tmpl;
  }
  ~ScopedTempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// 2023-11-14 22:13:00 UTC: a whole minute, so tests can reason about edges.
inline const absl::Time kTestStart = absl::FromUnixSeconds(1'699'999'980);

// A test with a fresh store in a temp dir and a manual clock at kTestStart.
class StoreTest : public ::testing::Test {
 protected:
  StoreTest() : clock_(kTestStart) {
    options_.data_dir = dir_.path() + "/db";
    options_.clock = &clock_;
  }
  void SetUp() override { Reopen(); }

  // Closes the store (if open) and opens it again on the same directory.
  void Reopen() {
    store_.reset();
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(store).value();
  }

  WriteResult MustWrite(const WriteInput& input) {
    absl::StatusOr<WriteResult> r = store_->Write(input);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *std::move(r) : WriteResult{};
  }

  Counts Totals(Scope scope, std::string_view id) {
    absl::StatusOr<Counts> c = store_->GetTotals(scope, id);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : Counts{};
  }

  static WriteInput Batch(std::vector<PostMeta> posts,
                          std::vector<EngagementEvent> engagements = {},
                          std::vector<FollowEvent> follows = {}) {
    WriteInput in;
    in.posts = std::move(posts);
    in.engagements = std::move(engagements);
    in.follows = std::move(follows);
    return in;
  }
  static WriteInput FromProducer(std::string producer, uint64_t sequence,
                                 WriteInput in) {
    in.producer_id = std::move(producer);
    in.sequence = sequence;
    return in;
  }
  static PostMeta Post(std::string id, std::string account,
                       std::vector<std::string> tags,
                       absl::Time published = kTestStart) {
    return PostMeta{std::move(id), std::move(account), "test", std::move(tags),
                    published};
  }
  static EngagementEvent Like(std::string post, absl::Time t = kTestStart,
                              std::string event_id = "", int64_t count = 1,
                              std::string user = "") {
    return EngagementEvent{
        std::move(event_id), std::move(post), kLikes, count, t,
        std::move(user)};
  }
  static FollowEvent Follow(std::string account, int64_t delta,
                            std::string event_id = "") {
    return FollowEvent{std::move(event_id), std::move(account), delta,
                       kTestStart};
  }

  ScopedTempDir dir_;
  ManualClock clock_;
  StoreOptions options_;
  std::unique_ptr<Store> store_;
};

}  // namespace pulse::storage

#endif  // PULSE_STORAGE_TEST_UTIL_H_

#include "server/worker_pool.h"

#include <memory>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace pulse::server {
namespace {

// Subscription builds must not take the room requests need: however many
// fall due at once, ingest and queries are still queued.
TEST(WorkerPool, BackgroundWorkLeavesHalfTheQueueToRequests) {
  auto owned = std::make_unique<WorkerPool>(1, 4);
  WorkerPool& pool = *owned;
  absl::Notification started, release;
  ASSERT_TRUE(pool.Submit([&] {
    started.Notify();
    release.WaitForNotification();
  }));
  started.WaitForNotification();  // the one worker is busy; the queue empty
  int ran = 0;
  EXPECT_TRUE(pool.SubmitBackground([&] { ++ran; }));
  EXPECT_TRUE(pool.SubmitBackground([&] { ++ran; }));
  EXPECT_FALSE(pool.SubmitBackground([&] { ++ran; }));  // half of 4 queued
  EXPECT_TRUE(pool.Submit([&] { ++ran; }));
  EXPECT_TRUE(pool.Submit([&] { ++ran; }));
  EXPECT_FALSE(pool.Submit([&] { ++ran; }));  // full
  release.Notify();
  owned.reset();  // runs what is queued, then joins
  EXPECT_EQ(ran, 4);
}

}  // namespace
}  // namespace pulse::server

#include "server/worker_pool.h"

#include <pthread.h>

#include <memory>
#include <string>

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

// `top -H` and `perf report --sort comm` tell the pool's threads apart from
// gRPC's and RocksDB's by their name.
TEST(WorkerPool, ItsThreadsAreNamed) {
  WorkerPool pool(1, 1);
  absl::Notification ran;
  std::string name;
  ASSERT_TRUE(pool.Submit([&] {
    char buf[16] = {};
    pthread_getname_np(pthread_self(), buf, sizeof(buf));
    name = buf;
    ran.Notify();
  }));
  ran.WaitForNotification();
  EXPECT_EQ(name, "pulse-worker");
}

}  // namespace
}  // namespace pulse::server

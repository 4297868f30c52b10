// A fixed pool of threads for work that may block (RocksDB reads and writes),
// so that gRPC's callback threads never do.
#ifndef PULSE_SERVER_WORKER_POOL_H_
#define PULSE_SERVER_WORKER_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace pulse::server {

// Runs tasks on `threads` threads from a queue of at most `max_queued` tasks.
// When the queue is full Submit refuses (the caller answers
// RESOURCE_EXHAUSTED) rather than letting memory grow.
class WorkerPool {
 public:
  WorkerPool(int threads, size_t max_queued);
  // Runs every queued task, then joins the threads.
  ~WorkerPool();

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`; false (and `task` not run) when the queue is full or the
  // pool is stopping. Never blocks.
  bool Submit(std::function<void()> task);
  // The same for work nobody waits on (subscription builds): refused once
  // the queue is half full, so that requests (ingest, queries) always find
  // room however many subscriptions fall due at once.
  bool SubmitBackground(std::function<void()> task);

 private:
  void Run();

  const size_t max_queued_;
  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace pulse::server

#endif  // PULSE_SERVER_WORKER_POOL_H_

// Ends a `pulse watch` on SIGINT/SIGTERM or after a time limit. A signal
// handler may not take the SubscribeHandle's mutex, so the signals are
// blocked everywhere and taken by sigtimedwait on a thread of their own.
#ifndef PULSE_CLIENTS_WATCH_STOPPER_H_
#define PULSE_CLIENTS_WATCH_STOPPER_H_

#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "clients/client.h"

namespace pulse {

// Blocks SIGINT and SIGTERM in the calling thread and in every thread it
// starts afterwards; call before any thread (gRPC's included) starts.
void BlockStopSignals();

// Cancels `handle` when SIGINT or SIGTERM arrives or `limit` has passed
// (InfiniteDuration: never). Requires BlockStopSignals first; `handle` must
// outlive the stopper.
class WatchStopper {
 public:
  WatchStopper(SubscribeHandle* handle, absl::Duration limit);
  WatchStopper(const WatchStopper&) = delete;
  WatchStopper& operator=(const WatchStopper&) = delete;
  // Stops watching for signals and joins the thread (within ~50 ms).
  ~WatchStopper();

 private:
  // The thread's loop.
  void Run(absl::Time deadline);

  SubscribeHandle* handle_;
  absl::Notification done_;
  std::thread thread_;
};

}  // namespace pulse

#endif  // PULSE_CLIENTS_WATCH_STOPPER_H_

#include "clients/watch_stopper.h"

#include <signal.h>

#include <algorithm>
#include <ctime>

namespace pulse {
namespace {

// How often the thread looks whether it should end.
constexpr absl::Duration kPollInterval = absl::Milliseconds(50);

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void BlockStopSignals() {
  sigset_t set = StopSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

WatchStopper::WatchStopper(SubscribeHandle* handle, absl::Duration limit)
    : handle_(handle) {
  const absl::Time deadline = limit == absl::InfiniteDuration()
                                  ? absl::InfiniteFuture()
                                  : absl::Now() + limit;
  thread_ = std::thread([this, deadline] { Run(deadline); });
}

WatchStopper::~WatchStopper() {
  done_.Notify();
  thread_.join();
}

void WatchStopper::Run(absl::Time deadline) {
  const sigset_t set = StopSignals();
  while (!done_.HasBeenNotified()) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      handle_->Cancel();
      return;
    }
    const timespec wait = absl::ToTimespec(std::min(left, kPollInterval));
    if (sigtimedwait(&set, nullptr, &wait) > 0) {
      handle_->Cancel();
      return;
    }
  }
}

}  // namespace pulse

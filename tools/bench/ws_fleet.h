// Many websocket clients of pulse-bridge on websocketpp io threads, each
// subscribed once and watching one "marker" post's likes in the update
// frames it receives, to time when an acknowledged like becomes visible.
//
// Frames are scanned, not parsed: a JSON parse per frame on 10,000 sockets
// would cost more CPU than the bridge under test, on the same 2 cores.
#ifndef PULSE_TOOLS_BENCH_WS_FLEET_H_
#define PULSE_TOOLS_BENCH_WS_FLEET_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace pulse::bench {

// The `"likes":"N"` of the object with `"postId":"<post_id>"` in an update
// frame: 0 when that object has none (a default value is left out), -1 when
// the post is not in the frame.
int64_t MarkerLikes(absl::string_view frame, absl::string_view post_id);

// The update's build time (its "time") in an update frame; InfinitePast
// when it has none.
absl::Time UpdateTime(absl::string_view frame);

// A like count that became visible to one client.
struct Seen {
  int64_t value;     // the marker's likes in the frame
  absl::Time at;     // when the frame arrived
  absl::Time built;  // when the server built the update (its "time")
};

class WsFleet {
 public:
  // Starts `threads` io threads; `uri` like ws://127.0.0.1:PORT/ws. A
  // socket's handlers run one at a time (websocketpp's strand per
  // connection), on any of them.
  explicit WsFleet(std::string uri, int threads = 1);
  // Closes every socket and joins the io threads.
  ~WsFleet();
  WsFleet(const WsFleet&) = delete;
  WsFleet& operator=(const WsFleet&) = delete;

  // Opens `n` sockets, `wave` at a time; socket i sends `subscribe(i)` once
  // open and watches `marker(i)`. Blocks until every socket has received its
  // first update (a snapshot) or `timeout` passes (then an error).
  absl::Status Open(int n, int wave,
                    const std::function<std::string(int)>& subscribe,
                    const std::function<std::string(int)>& marker,
                    absl::Duration timeout);

  // From now on, frames are counted and every rise of a marker's likes is
  // recorded.
  void StartMeasuring();
  // Stops recording; returns, per newly visible like count, when it arrived.
  // Each rise from a to b records values a+1..b at the frame's time.
  std::vector<Seen> StopMeasuring();
  // Returns what was recorded since StartMeasuring or the last TakeSeen, and
  // goes on measuring (for long runs that report by interval).
  std::vector<Seen> TakeSeen();

  int64_t frames() const { return frames_.load(); }
  int64_t bytes() const { return bytes_.load(); }
  int64_t opened() const { return opened_.load(); }
  // Sockets open now: opened and not closed by the peer.
  int64_t connected() const { return opened_.load() - closed_.load(); }
  // Sockets that failed to open or closed before the fleet did.
  int64_t dropped() const { return failed_.load() + closed_.load(); }
  int64_t error_frames() const { return errors_.load(); }
  // The smallest last-seen marker value over all sockets.
  int64_t MinLastSeen();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<int64_t> frames_{0}, bytes_{0}, opened_{0}, failed_{0},
      closed_{0}, errors_{0}, snapshots_{0};
};

}  // namespace pulse::bench

#endif  // PULSE_TOOLS_BENCH_WS_FLEET_H_

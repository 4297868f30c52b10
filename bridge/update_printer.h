// Prints Subscribe's Updates as protobuf's JSON mapping (the bridge's
// options: MethodRegistry::ToJson), printing each shared part once.
//
// Every stream that watches the global totals or a board carries the same
// part after each change: at 10,000 sockets the bridge holds up to one
// upstream stream per distinct request, and printing the same 10-post board
// once per stream was most of its CPU. A part (global, top_posts, trending)
// is printed once per distinct content, found by its serialized bytes, and
// spliced into the rest of the update, which is printed on its own.
#ifndef PULSE_BRIDGE_UPDATE_PRINTER_H_
#define PULSE_BRIDGE_UPDATE_PRINTER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/message.h"
#include "pulse/v1/analytics.pb.h"

namespace pulse::bridge {

// An Update printed as JSON, shared by the sockets it goes to until each
// frames it with its subscription id.
using UpdateJson = std::shared_ptr<const std::string>;

// Thread-safe. Memory is bounded by `max_parts` printed parts (two
// generations of at most `max_parts / 2` each: a part in use stays, parts
// of past versions age out).
class UpdatePrinter {
 public:
  explicit UpdatePrinter(size_t max_parts = 256);

  // `update` as JSON: the same object MethodRegistry::ToJson prints (the
  // shared parts' keys come last). `update` is left as it was; it is
  // changed while printing, so no other thread may read it meanwhile.
  absl::StatusOr<std::string> Print(v1::Update* update);

  // Parts printed rather than found printed (for tests and metrics).
  uint64_t parts_printed() const {
    return parts_printed_.load(std::memory_order_relaxed);
  }
  // Printed parts held now.
  size_t parts_held() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  using Printed = std::shared_ptr<const std::string>;
  // `part`, the message of the Update's field `field_number`, printed.
  absl::StatusOr<Printed> PrintPart(int field_number,
                                    const google::protobuf::Message& part)
      ABSL_LOCKS_EXCLUDED(mu_);

  const size_t generation_size_;
  mutable absl::Mutex mu_;
  // By field number and serialized bytes (no map fields: serialization is
  // deterministic).
  absl::flat_hash_map<std::string, Printed> current_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Printed> previous_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> parts_printed_{0};
};

}  // namespace pulse::bridge

#endif  // PULSE_BRIDGE_UPDATE_PRINTER_H_

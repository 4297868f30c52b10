// Bucket arithmetic declared in store.h: fixed UTC widths, so a bucket's start
// is the time floored to a multiple of its width since the Unix epoch (days
// start at 00:00 UTC; there are no leap seconds in Unix time).
#include "storage/store.h"

namespace pulse::storage {

absl::Duration BucketWidth(Resolution res) {
  switch (res) {
    case Resolution::kSecond:
      return absl::Seconds(1);
    case Resolution::kMinute:
      return absl::Minutes(1);
    case Resolution::kHour:
      return absl::Hours(1);
    case Resolution::kDay:
      return absl::Hours(24);
    case Resolution::kTotal:
      break;
  }
  return absl::InfiniteDuration();
}

absl::Time BucketStart(Resolution res, absl::Time t) {
  if (res == Resolution::kTotal) return absl::InfinitePast();
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) return t;
  // absl::Floor rounds toward negative infinity, so pre-1970 times floor too.
  return absl::UnixEpoch() +
         absl::Floor(t - absl::UnixEpoch(), BucketWidth(res));
}

}  // namespace pulse::storage

// A time series as the server sent it: buckets by start time (seconds since
// the epoch), later answers replacing earlier ones for the same bucket, so
// that refetching an overlapping range fills gaps and fixes partial buckets.
import {parseInt64} from './int64.js';
import {parseTimestamp} from './timestamp.js';

export class TimeSeries {
  constructor() {
    this.buckets_ = new Map(); // seconds -> BigInt
  }

  // Takes the points of a QueryTimeSeriesResponse.
  merge(points = []) {
    for (const p of points) {
      const t = parseTimestamp(p.time);
      if (Number.isNaN(t)) continue;
      this.buckets_.set(Math.floor(t / 1000), parseInt64(p.value));
    }
  }

  // Drops buckets before `fromSec`.
  trimBefore(fromSec) {
    for (const t of this.buckets_.keys()) {
      if (t < fromSec) this.buckets_.delete(t);
    }
  }

  clear() {
    this.buckets_.clear();
  }

  get size() {
    return this.buckets_.size;
  }

  // The newest bucket's start in seconds, or null when empty.
  lastTime() {
    let last = null;
    for (const t of this.buckets_.keys()) if (last === null || t > last) last = t;
    return last;
  }

  // [times, values] sorted by time, values as Numbers for plotting.
  columns() {
    const times = [...this.buckets_.keys()].sort((a, b) => a - b);
    return [times, times.map((t) => Number(this.buckets_.get(t)))];
  }

  // The exact sum of all buckets.
  sum() {
    let s = 0n;
    for (const v of this.buckets_.values()) s += v;
    return s;
  }

  // Seconds between consecutive buckets that are more than `stepSec` apart:
  // a hole the chart would show. 0 when contiguous.
  missingBuckets(stepSec) {
    const [times] = this.columns();
    let missing = 0;
    for (let i = 1; i < times.length; i++) {
      missing += Math.max(0, Math.round((times[i] - times[i - 1]) / stepSec) - 1);
    }
    return missing;
  }
}

// What a chart of the last `spanSec` seconds asks for next. Most ticks need
// only the newest buckets (the newest was still filling), but an engagement
// may be stamped in the past (a producer re-sending after an outage) and land
// in a bucket the chart already holds; so the whole window is fetched again
// at first, after a reconnect or a failed fetch, and every `fullEveryMs`.
// Buckets are keyed by time (TimeSeries), so nothing is counted twice.
export class WindowRefresh {
  constructor({spanSec, overlapSec = 5, fullEveryMs = 30_000, now = () => Date.now()}) {
    this.spanSec_ = spanSec;
    this.overlapSec_ = overlapSec;
    this.fullEveryMs_ = fullEveryMs;
    this.now_ = now;
    this.lastFullMs_ = null; // when the last whole-window fetch was planned
  }

  // The range to fetch at server time `nowSec`, given the newest bucket held
  // (`lastSec`, null when none): {startSec, fromSec (the window's start)}.
  next(nowSec, lastSec) {
    const fromSec = nowSec - this.spanSec_ + 1;
    const full = lastSec === null || this.lastFullMs_ === null ||
      this.now_() - this.lastFullMs_ >= this.fullEveryMs_;
    if (!full) return {startSec: Math.max(fromSec, lastSec - this.overlapSec_), fromSec};
    this.lastFullMs_ = this.now_();
    return {startSec: fromSec, fromSec};
  }

  // The next fetch is of the whole window: after a reconnect, or a failed
  // fetch (pulse-server may have been away while engagements stamped in the
  // past were ingested, into buckets the chart holds).
  invalidate() {
    this.lastFullMs_ = null;
  }
}

// google.protobuf.Timestamp and Duration in their JSON forms, and the server's
// clock as seen from the browser.

// Milliseconds since the epoch of an RFC 3339 timestamp; nanosecond fractions
// are cut to milliseconds (Date.parse does not take more than 3 digits
// everywhere). NaN when absent or malformed.
export function parseTimestamp(text) {
  if (typeof text !== 'string') return NaN;
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!m) return NaN;
  const ms = m[2] ? `.${m[2].slice(0, 3).padEnd(3, '0')}` : '';
  return Date.parse(`${m[1]}${ms}${m[3]}`);
}

// An RFC 3339 timestamp of milliseconds since the epoch.
export function toTimestamp(ms) {
  return new Date(ms).toISOString();
}

// A Duration in JSON form ("300s") of a number of seconds.
export function toDuration(seconds) {
  return `${seconds}s`;
}

// The server's "now", estimated from the times it stamps on what it sends:
// charts ask for ranges in the server's time, not the browser's.
export class ServerClock {
  constructor(now = () => Date.now()) {
    this.now_ = now;
    this.offsetMs_ = 0;
  }

  // Takes a timestamp the server just wrote (an Update's time).
  observe(timestamp) {
    const t = parseTimestamp(timestamp);
    if (!Number.isNaN(t)) this.offsetMs_ = t - this.now_();
  }

  // The server's current time in milliseconds since the epoch.
  nowMs() {
    return this.now_() + this.offsetMs_;
  }
}

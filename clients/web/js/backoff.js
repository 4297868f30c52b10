// Exponential backoff with jitter for reconnects: the n-th retry waits a
// random time in [d/2, d] where d = min(maxMs, baseMs * 2^n), so a bridge
// restart is not met by every dashboard at the same instant.
export class Backoff {
  constructor({baseMs = 250, maxMs = 10_000, random = Math.random} = {}) {
    this.baseMs_ = baseMs;
    this.maxMs_ = maxMs;
    this.random_ = random;
    this.attempt_ = 0;
  }

  // The delay before the next attempt; each call doubles the ceiling.
  next() {
    const ceiling = Math.min(this.maxMs_, this.baseMs_ * 2 ** this.attempt_);
    this.attempt_ = Math.min(this.attempt_ + 1, 30);
    return Math.round(ceiling / 2 + this.random_() * (ceiling / 2));
  }

  // The delay when the server asked to be left alone for a while (a bridge
  // at its connection limit, or one that shed a slow reader): the ceiling's,
  // in [maxMs/2, maxMs], and later attempts stay there until reset().
  longest() {
    while (this.attempt_ < 30 && this.baseMs_ * 2 ** this.attempt_ < this.maxMs_) {
      this.attempt_++;
    }
    return this.next();
  }

  // Attempts so far since the last reset.
  get attempt() {
    return this.attempt_;
  }

  // Called after a success: the next failure starts from baseMs again.
  reset() {
    this.attempt_ = 0;
  }
}

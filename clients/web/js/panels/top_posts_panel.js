// The top-posts board: a live TopPosts subscription whose window and metric
// the user picks, each row with its account, hashtags, window counts and a
// sparkline of the ranking metric over the window.
import {sparkline} from '../charts.js';
import {el, keepFocus, setText} from '../dom.js';
import {formatCount, formatExact, parseInt64} from '../int64.js';
import {TimeSeries} from '../time_series.js';
import {toDuration, toTimestamp} from '../timestamp.js';
import {kPostMetrics, kWindows, sparklineResolution} from '../vocabulary.js';

const kLimit = 10;
const kCounts = ['impressions', 'likes', 'shares', 'comments', 'clicks'];
// Sparklines of rows already shown are refetched at most this often.
const kSparklineRefreshMs = 5000;

export class TopPostsPanel {
  constructor(container, socket, clock, onSelect) {
    this.socket_ = socket;
    this.clock_ = clock;
    this.onSelect_ = onSelect;
    this.windowSec_ = kWindows[0].seconds;
    this.metric_ = kPostMetrics[0].name;
    this.sub_ = null;
    this.sparks_ = new Map(); // postId -> {values, fetchedMs}
    this.rows_ = [];

    this.windowSelect_ = container.querySelector('[data-testid="top-window"]');
    this.metricSelect_ = container.querySelector('[data-testid="top-metric"]');
    for (const w of kWindows) this.windowSelect_.append(el('option', {value: w.seconds}, w.label));
    for (const m of kPostMetrics) this.metricSelect_.append(el('option', {value: m.name}, m.label));
    this.windowSelect_.addEventListener('change', () => {
      this.windowSec_ = Number(this.windowSelect_.value);
      this.resubscribe_();
    });
    this.metricSelect_.addEventListener('change', () => {
      this.metric_ = this.metricSelect_.value;
      this.resubscribe_();
    });
    this.valueHeader_ = container.querySelector('.metric-header');
    this.body_ = container.querySelector('tbody');
    this.error_ = container.querySelector('.panel-error');
    this.resubscribe_();
    socket.addEventListener('open', () => this.refreshSparklines_(true));
  }

  resubscribe_() {
    if (this.sub_) this.sub_.close();
    this.sparks_.clear();
    setText(this.valueHeader_, kPostMetrics.find((m) => m.name === this.metric_).label);
    this.body_.replaceChildren(this.placeholder_('Loading…'));
    this.sub_ = this.socket_.subscribe({
      topPosts: {window: toDuration(this.windowSec_), metric: this.metric_, limit: kLimit},
      minInterval: '0.25s',
    }, (update) => {
      if (update.topPosts) this.render_(update.topPosts);
    }, (error) => setText(this.error_, `Top posts: ${error.message}`));
  }

  placeholder_(text) {
    return el('tr', {}, el('td', {colspan: 11, class: 'placeholder'}, text));
  }

  render_(board) {
    setText(this.error_, '');
    const posts = board.posts ?? [];
    this.rows_ = posts;
    // Only the board's posts keep a sparkline: over days, every post that
    // was ever on the board would otherwise keep one.
    const onBoard = new Set(posts.map((p) => p.postId));
    for (const postId of this.sparks_.keys()) {
      if (!onBoard.has(postId)) this.sparks_.delete(postId);
    }
    this.body_.setAttribute('data-as-of', board.asOf ?? '');
    if (posts.length === 0) {
      this.body_.replaceChildren(this.placeholder_('No engagements in this window yet.'));
      return;
    }
    keepFocus(this.body_, (b) => `${b.closest('tr')?.dataset.postId}/${b.textContent}`,
      () => this.body_.replaceChildren(...posts.map((p) => this.row_(p))));
    this.refreshSparklines_(false);
  }

  row_(p) {
    const count = (field, value) => {
      const v = parseInt64(value);
      return el('td', {class: 'num', 'data-field': field, 'data-value': v.toString(),
        title: formatExact(v)}, formatCount(v));
    };
    // An id may be 256 bytes long: cut with an ellipsis, in full in `title`.
    const select = (kind, id, text, extra = {}) => el('button', {type: 'button',
      class: `link ${kind}`, title: text, onclick: () => this.onSelect_({kind, id}), ...extra}, text);
    const hashtags = (p.hashtags ?? []).map((h) => select('hashtag', h, `#${h}`,
      {'aria-label': `Hashtag ${h}, show details`}));
    const spark = el('td', {class: 'spark', 'data-field': 'sparkline'});
    const cached = this.sparks_.get(p.postId);
    if (cached) spark.append(this.sparkSvg_(p.postId, cached.values));
    return el('tr', {'data-testid': 'top-post-row', 'data-post-id': p.postId,
      'data-rank': p.rank},
      el('td', {class: 'num rank'}, String(p.rank)),
      el('th', {scope: 'row'}, select('post', p.postId, p.postId,
        {'aria-label': `Post ${p.postId}, show details`})),
      el('td', {'data-field': 'account'}, p.accountId
        ? select('account', p.accountId, p.accountId,
          {'aria-label': `Account ${p.accountId}, show details`})
        : el('span', {class: 'muted'}, 'unknown')),
      el('td', {class: 'tags', 'data-field': 'hashtags'}, hashtags),
      count('value', p.value),
      kCounts.map((field) => count(field, p[field])),
      spark);
  }

  sparkSvg_(postId, values) {
    const metric = kPostMetrics.find((m) => m.name === this.metric_).label.toLowerCase();
    const window = kWindows.find((w) => w.seconds === this.windowSec_).label;
    return sparkline(values, {label: `${postId}: ${metric} over the last ${window}`});
  }

  // Fetches the sparklines of rows that have none, and of all rows when they
  // are older than kSparklineRefreshMs (or `force`, after a reconnect).
  async refreshSparklines_(force) {
    if (this.socket_.state !== 'open') return;
    const key = `${this.windowSec_}/${this.metric_}`;
    const now = Date.now();
    const due = this.rows_.filter((p) => {
      const s = this.sparks_.get(p.postId);
      return force || !s || (now - s.fetchedMs > kSparklineRefreshMs && !s.loading);
    });
    const resolution = sparklineResolution(this.windowSec_);
    const endMs = this.clock_.nowMs();
    const startMs = endMs - this.windowSec_ * 1000 + resolution.bucketSec * 1000;
    await Promise.all(due.map(async (p) => {
      const entry = this.sparks_.get(p.postId) ?? {values: [], fetchedMs: 0};
      entry.loading = true;
      this.sparks_.set(p.postId, entry);
      try {
        const result = await this.socket_.call('QueryTimeSeries', {
          postId: p.postId, metric: this.metric_, resolution: resolution.name,
          startTime: toTimestamp(startMs),
        });
        if (`${this.windowSec_}/${this.metric_}` !== key) return;
        const series = new TimeSeries();
        series.merge(result.points);
        entry.values = series.columns()[1];
        entry.fetchedMs = Date.now();
        const cell = this.body_.querySelector(
          `tr[data-post-id="${CSS.escape(p.postId)}"] td.spark`);
        if (cell) cell.replaceChildren(this.sparkSvg_(p.postId, entry.values));
      } catch (e) {
        // Kept as it was; retried on the next board update or reconnect.
      } finally {
        entry.loading = false;
      }
    }));
  }
}

// The drill-down: one post, account or hashtag picked on the boards, with its
// live counters (a Subscribe on that one entity) and one metric's time series
// at a resolution the user picks.
import {LineChart} from '../charts.js';
import {el, setText} from '../dom.js';
import {formatCount, formatExact, formatPercent, parseInt64} from '../int64.js';
import {TimeSeries} from '../time_series.js';
import {toTimestamp} from '../timestamp.js';
import {kAccountMetrics, kPostMetrics, kResolutions} from '../vocabulary.js';

const kTotals = [['impressions', 'Impressions'], ['likes', 'Likes'], ['shares', 'Shares'],
  ['comments', 'Comments'], ['clicks', 'Clicks'], ['engagements', 'Engagements']];

// Per kind: the Subscribe field, the QueryTimeSeries field, the update's
// list, the stats' id field, and the figures shown.
const kKinds = {
  post: {label: 'Post', subscribe: 'postIds', entity: 'postId', list: 'posts', key: 'postId',
    metrics: kPostMetrics,
    fields: [...kTotals, ['engagementRate', 'Engagement rate', 'percent'],
      ['uniqueUsers', 'Unique users'], ['velocityPerMinute', 'Eng./min (5 min)', 'double']]},
  account: {label: 'Account', subscribe: 'accountIds', entity: 'accountId', list: 'accounts',
    key: 'accountId', metrics: kAccountMetrics,
    fields: [['followers', 'Followers'], ['followerGrowth', 'Follower growth (24 h)'],
      ['posts', 'Posts'], ...kTotals, ['engagementRate', 'Engagement rate', 'percent'],
      ['uniqueUsers', 'Unique users']]},
  hashtag: {label: 'Hashtag', subscribe: 'hashtags', entity: 'hashtag', list: 'hashtags',
    key: 'hashtag', metrics: kPostMetrics, fields: [['posts', 'Posts'], ...kTotals]},
};

const kSeriesRefreshMs = 2000;

// camelCase proto field -> kebab-case test id ("engagementRate" -> "engagement-rate").
function kebab(name) {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export class DrilldownPanel {
  constructor(container, socket, clock, onSelect) {
    this.node_ = container;
    this.socket_ = socket;
    this.clock_ = clock;
    this.onSelect_ = onSelect;
    this.selection_ = null;
    this.sub_ = null;
    this.metric_ = 'ENGAGEMENTS';
    this.resolution_ = kResolutions[1];
    this.lastFetchMs_ = 0;
    this.fetchTimer_ = null;
    this.fetchSeq_ = 0;

    this.title_ = container.querySelector('h2');
    this.meta_ = container.querySelector('.drill-meta');
    this.figures_ = container.querySelector('.drill-figures');
    this.body_ = container.querySelector('.drill-body');
    this.empty_ = container.querySelector('.placeholder');
    this.error_ = container.querySelector('.panel-error');
    this.metricSelect_ = container.querySelector('[data-testid="drilldown-metric"]');
    this.resolutionSelect_ = container.querySelector('[data-testid="drilldown-resolution"]');
    for (const r of kResolutions) {
      this.resolutionSelect_.append(el('option', {value: r.name,
        selected: r === this.resolution_}, r.label));
    }
    this.metricSelect_.addEventListener('change', () => {
      this.metric_ = this.metricSelect_.value;
      this.fetchSeries_(true);
    });
    this.resolutionSelect_.addEventListener('change', () => {
      this.resolution_ = kResolutions.find((r) => r.name === this.resolutionSelect_.value);
      this.fetchSeries_(true);
    });
    container.querySelector('.drill-close').addEventListener('click', () => this.show(null));
    this.chart_ = null;
    socket.addEventListener('open', () => this.fetchSeries_(true));
  }

  // Shows `selection` ({kind, id}) or, with null, nothing.
  show(selection) {
    if (this.sub_) this.sub_.close();
    this.sub_ = null;
    // A refresh scheduled for the last selection, or in flight, is not this one's.
    clearTimeout(this.fetchTimer_);
    this.fetchTimer_ = null;
    ++this.fetchSeq_;
    this.selection_ = selection;
    this.node_.dataset.kind = selection?.kind ?? '';
    this.node_.dataset.id = selection?.id ?? '';
    this.body_.hidden = !selection;
    this.empty_.hidden = !!selection;
    setText(this.error_, '');
    if (!selection) {
      setText(this.title_, 'Details');
      return;
    }
    const kind = kKinds[selection.kind];
    setText(this.title_, `${kind.label} ${selection.kind === 'hashtag' ? '#' : ''}${selection.id}`);
    if (!kind.metrics.some((m) => m.name === this.metric_)) this.metric_ = 'ENGAGEMENTS';
    this.metricSelect_.replaceChildren(...kind.metrics.map((m) =>
      el('option', {value: m.name, selected: m.name === this.metric_}, m.label)));
    this.meta_.replaceChildren();
    delete this.meta_.dataset.rendered;
    this.figures_.replaceChildren(...kind.fields.map(([field, label]) =>
      el('div', {class: 'counter'}, el('dt', {}, label),
        el('dd', {class: 'value', 'data-testid': `drilldown-${kebab(field)}`}, '–'))));
    if (!this.chart_) {
      this.chart_ = new LineChart(this.node_.querySelector('.chart'), {label: 'Drill-down', height: 180});
    }
    this.chart_.setData([[], []]);
    this.sub_ = this.socket_.subscribe({[kind.subscribe]: [selection.id], minInterval: '0.5s'},
      (update) => this.onUpdate_(update),
      (error) => setText(this.error_, error.message));
    this.fetchSeries_(true);
    this.title_.focus();
  }

  onUpdate_(update) {
    // The subscription works (again): an error it or a fetch had is past.
    setText(this.error_, '');
    const kind = kKinds[this.selection_.kind];
    const stats = (update[kind.list] ?? []).find((s) => s[kind.key] === this.selection_.id);
    if (!stats) return;
    for (const [field, , type] of kind.fields) {
      const node = this.figures_.querySelector(`[data-testid="drilldown-${kebab(field)}"]`);
      if (type === 'percent' || type === 'double') {
        node.dataset.value = String(stats[field] ?? 0);
        setText(node, type === 'percent' ? formatPercent(stats[field])
          : Number(stats[field] ?? 0).toFixed(1));
      } else {
        const v = parseInt64(stats[field]);
        node.dataset.value = v.toString();
        node.title = formatExact(v);
        setText(node, formatCount(v));
      }
    }
    if (this.selection_.kind === 'post') this.renderPostMeta_(stats);
    this.fetchSeries_(false);
  }

  renderPostMeta_(stats) {
    // Again once the post's metadata arrives.
    const key = `${stats.known ? 'known' : 'unknown'}:${stats.postId}`;
    if (this.meta_.dataset.rendered === key) return;
    this.meta_.dataset.rendered = key;
    const link = (kind, id, text) => el('button', {type: 'button', class: `link ${kind}`,
      title: text, onclick: () => this.onSelect_({kind, id})}, text);
    this.meta_.replaceChildren(
      stats.known ? el('span', {}, 'by ', link('account', stats.accountId, stats.accountId),
        stats.platform ? ` on ${stats.platform}` : '')
        : el('span', {class: 'muted'}, 'metadata not ingested yet'),
      ' ', ...(stats.hashtags ?? []).map((h) => link('hashtag', h, `#${h}`)));
  }

  // Refetches the series now (`force`) or at most every kSeriesRefreshMs.
  fetchSeries_(force) {
    if (!this.selection_ || this.socket_.state !== 'open') return;
    const wait = force ? 0 : Math.max(0, this.lastFetchMs_ + kSeriesRefreshMs - Date.now());
    if (!force && this.fetchTimer_) return;
    clearTimeout(this.fetchTimer_);
    this.fetchTimer_ = setTimeout(() => this.doFetch_(), wait);
  }

  async doFetch_() {
    this.fetchTimer_ = null;
    if (!this.selection_) return;
    this.lastFetchMs_ = Date.now();
    const seq = ++this.fetchSeq_;
    const {kind, id} = this.selection_;
    const r = this.resolution_;
    try {
      const result = await this.socket_.call('QueryTimeSeries', {
        [kKinds[kind].entity]: id, metric: this.metric_, resolution: r.name,
        startTime: toTimestamp(this.clock_.nowMs() - (r.spanSec - r.bucketSec) * 1000),
      });
      if (seq !== this.fetchSeq_) return;
      setText(this.error_, '');
      const series = new TimeSeries();
      series.merge(result.points);
      this.chart_.setData(series.columns());
      this.node_.querySelector('.chart').dataset.sum = series.sum().toString();
    } catch (e) {
      if (seq === this.fetchSeq_ && e.name === 'RpcError') setText(this.error_, e.message);
    }
  }
}

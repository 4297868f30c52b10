// The global counters: totals, engagement rate and engagements per second,
// exactly as the server's GlobalStats has them.
import {formatCount, formatExact, formatPercent, formatRate, parseInt64} from '../int64.js';
import {el, setText} from '../dom.js';

const kCounters = [
  ['impressions', 'Impressions'],
  ['likes', 'Likes'],
  ['shares', 'Shares'],
  ['comments', 'Comments'],
  ['clicks', 'Clicks'],
  ['engagements', 'Engagements'],
  ['posts', 'Posts'],
];

export class GlobalPanel {
  constructor(container) {
    this.values_ = new Map();
    const card = (key, label) => {
      const value = el('dd', {class: 'value', 'data-testid': `global-${key}`}, '–');
      this.values_.set(key, value);
      return el('div', {class: 'counter'}, el('dt', {}, label), value);
    };
    container.append(el('dl', {class: 'counters'},
      kCounters.map(([key, label]) => card(key, label)),
      card('engagement-rate', 'Engagement rate'),
      card('engagements-per-second', 'Engagements/s')));
  }

  // global: a GlobalStats in JSON form.
  render(global) {
    for (const [key] of kCounters) {
      const v = parseInt64(global[key]);
      const node = this.values_.get(key);
      node.dataset.value = v.toString();
      node.title = formatExact(v);
      setText(node, formatCount(v));
    }
    const rate = this.values_.get('engagement-rate');
    rate.dataset.value = String(global.engagementRate ?? 0);
    setText(rate, formatPercent(global.engagementRate));
    const eps = this.values_.get('engagements-per-second');
    eps.dataset.value = String(global.engagementsPerSecond ?? 0);
    setText(eps, formatRate(global.engagementsPerSecond));
  }
}

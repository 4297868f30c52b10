// The global counters: totals, engagement rate and engagements per second,
// exactly as the server's GlobalStats has them, from a live Subscribe whose
// update times also set the page's server clock.
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
  // Subscribes at once: the global totals are the page's first subscription
  // (see main.js).
  constructor(container, socket, clock) {
    this.values_ = new Map();
    this.error_ = container.querySelector('.panel-error');
    const card = (key, label) => {
      const value = el('dd', {class: 'value', 'data-testid': `global-${key}`}, '–');
      this.values_.set(key, value);
      return el('div', {class: 'counter'}, el('dt', {}, label), value);
    };
    container.querySelector('#global-counters').append(el('dl', {class: 'counters'},
      kCounters.map(([key, label]) => card(key, label)),
      card('engagement-rate', 'Engagement rate'),
      card('engagements-per-second', 'Engagements/s')));
    socket.subscribe({global: true, minInterval: '0.25s'}, (update) => {
      clock.observe(update.time);
      if (update.global) this.render_(update.global);
    }, (error) => setText(this.error_, `Totals: ${error.message}`));
  }

  // global: a GlobalStats in JSON form.
  render_(global) {
    setText(this.error_, '');
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

// Trending hashtags: a live TrendingHashtags subscription, each hashtag with
// its count in the window, the window before, and the growth between them.
import {el, keepFocus, setText} from '../dom.js';
import {formatCount, formatExact, formatGrowth, parseInt64} from '../int64.js';
import {toDuration} from '../timestamp.js';
import {kWindows} from '../vocabulary.js';

export class TrendingPanel {
  constructor(container, socket, onSelect) {
    this.socket_ = socket;
    this.onSelect_ = onSelect;
    this.windowSec_ = 3600;
    this.sub_ = null;
    this.list_ = container.querySelector('ol');
    this.error_ = container.querySelector('.panel-error');
    this.select_ = container.querySelector('[data-testid="trending-window"]');
    for (const w of kWindows) {
      this.select_.append(el('option', {value: w.seconds, selected: w.seconds === this.windowSec_}, w.label));
    }
    this.select_.addEventListener('change', () => {
      this.windowSec_ = Number(this.select_.value);
      this.resubscribe_();
    });
    this.resubscribe_();
  }

  resubscribe_() {
    if (this.sub_) this.sub_.close();
    this.list_.replaceChildren(el('li', {class: 'placeholder'}, 'Loading…'));
    this.sub_ = this.socket_.subscribe({
      trending: {window: toDuration(this.windowSec_), limit: 10},
      minInterval: '0.5s',
    }, (update) => {
      if (update.trending) this.render_(update.trending);
    }, (error) => setText(this.error_, `Trending: ${error.message}`));
  }

  render_(board) {
    setText(this.error_, '');
    const tags = board.hashtags ?? [];
    if (tags.length === 0) {
      this.list_.replaceChildren(el('li', {class: 'placeholder'}, 'No hashtags in this window yet.'));
      return;
    }
    keepFocus(this.list_, (b) => b.textContent, () => this.list_.replaceChildren(...tags.map((t) => {
      const current = parseInt64(t.current);
      const previous = parseInt64(t.previous);
      const rising = Number(t.growth ?? 0) >= 0;
      return el('li', {'data-testid': 'trending-row', 'data-hashtag': t.hashtag,
        'data-current': current.toString(), 'data-previous': previous.toString()},
        el('button', {type: 'button', class: 'link hashtag', title: `#${t.hashtag}`,
          'aria-label': `Hashtag ${t.hashtag}, show details`,
          onclick: () => this.onSelect_({kind: 'hashtag', id: t.hashtag})}, `#${t.hashtag}`),
        el('span', {class: 'num', title: `${formatExact(current)} now, ${formatExact(previous)} in the window before`},
          `${formatCount(current)} `, el('span', {class: 'muted'}, `(was ${formatCount(previous)})`)),
        el('span', {class: `growth ${rising ? 'up' : 'down'}`, 'data-field': 'growth'},
          previous === 0n ? 'new' : formatGrowth(t.growth)));
    })));
  }
}

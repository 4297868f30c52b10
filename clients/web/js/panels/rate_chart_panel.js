// Engagements per second over the last 15 minutes: global ENGAGEMENTS at
// SECOND resolution from QueryTimeSeries, fetched once a second. A tick
// fetches only the newest buckets, but the whole range is fetched again on
// load, after a reconnect or a failed fetch, and every 30 s, for engagements
// stamped in the past (WindowRefresh).
import {LineChart} from '../charts.js';
import {setText} from '../dom.js';
import {DisconnectedError} from '../rpc_socket.js';
import {TimeSeries} from '../time_series.js';
import {toTimestamp} from '../timestamp.js';
import {WindowRefresh} from '../window_refresh.js';

const kSpanSec = 15 * 60;

export class RateChartPanel {
  constructor(container, socket, clock) {
    this.socket_ = socket;
    this.clock_ = clock;
    this.series_ = new TimeSeries();
    this.plan_ = new WindowRefresh({spanSec: kSpanSec});
    this.node_ = container;
    this.error_ = container.querySelector('.panel-error');
    this.chart_ = new LineChart(container.querySelector('.chart'),
      {label: 'Engagements per second', height: 260});
    this.inFlight_ = false;
    this.timer_ = setInterval(() => this.refresh(), 1000);
    socket.addEventListener('open', () => {
      this.plan_.invalidate();
      this.refresh();
    });
  }

  // Fetches what is missing; at most one query in flight.
  async refresh() {
    if (this.inFlight_ || this.socket_.state !== 'open') return;
    this.inFlight_ = true;
    try {
      const nowSec = Math.floor(this.clock_.nowMs() / 1000);
      const {startSec, fromSec} = this.plan_.next(nowSec, this.series_.lastTime());
      const result = await this.socket_.call('QueryTimeSeries', {
        global: true, metric: 'ENGAGEMENTS', resolution: 'SECOND',
        startTime: toTimestamp(startSec * 1000),
      });
      setText(this.error_, '');
      this.series_.merge(result.points);
      this.series_.trimBefore(fromSec);
      this.render_();
    } catch (e) {
      this.plan_.invalidate();
      // A disconnect shows in the connection indicator.
      if (!(e instanceof DisconnectedError)) setText(this.error_, `Chart: ${e.message}`);
    } finally {
      this.inFlight_ = false;
    }
  }

  render_() {
    const columns = this.series_.columns();
    this.chart_.setData(columns);
    const [times] = columns;
    const d = this.node_.dataset;
    d.first = String(times[0] ?? '');
    d.last = String(times[times.length - 1] ?? '');
    d.count = String(times.length);
    d.sum = this.series_.sum().toString();
    d.missing = String(this.series_.missingBuckets(1));
  }
}

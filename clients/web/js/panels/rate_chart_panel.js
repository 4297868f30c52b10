// Engagements per second over the last 15 minutes: global ENGAGEMENTS at
// SECOND resolution from QueryTimeSeries. The whole range is fetched on load;
// then, once a second, only the range from a few seconds before the newest
// bucket, which also refills whatever a disconnect missed.
import {LineChart} from '../charts.js';
import {TimeSeries} from '../time_series.js';
import {toTimestamp} from '../timestamp.js';

const kSpanSec = 15 * 60;
// Buckets refetched behind the newest one: the newest was still filling.
const kOverlapSec = 5;

export class RateChartPanel {
  constructor(container, socket, clock) {
    this.socket_ = socket;
    this.clock_ = clock;
    this.series_ = new TimeSeries();
    this.node_ = container;
    this.chart_ = new LineChart(container.querySelector('.chart'),
      {label: 'Engagements per second', height: 260});
    this.inFlight_ = false;
    this.timer_ = setInterval(() => this.refresh(), 1000);
    socket.addEventListener('open', () => this.refresh());
  }

  // Fetches what is missing; at most one query in flight.
  async refresh() {
    if (this.inFlight_ || this.socket_.state !== 'open') return;
    this.inFlight_ = true;
    try {
      const nowSec = Math.floor(this.clock_.nowMs() / 1000);
      const fromSec = nowSec - kSpanSec + 1;
      const last = this.series_.lastTime();
      const startSec = last === null ? fromSec : Math.max(fromSec, last - kOverlapSec);
      const result = await this.socket_.call('QueryTimeSeries', {
        global: true, metric: 'ENGAGEMENTS', resolution: 'SECOND',
        startTime: toTimestamp(startSec * 1000),
      });
      this.series_.merge(result.points);
      this.series_.trimBefore(fromSec);
      this.render_();
    } catch (e) {
      // A disconnect or timeout: the next tick after reconnecting refetches
      // from the newest bucket held, so nothing is lost.
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

// Charts: uPlot line charts that follow their container's size, and small SVG
// sparklines for table rows (a uPlot per row would be heavy).
import uPlot from 'uplot';
import {formatCount} from './int64.js';

const kStroke = '#4cc9f0';
const kFill = 'rgba(76, 201, 240, 0.15)';

function axisValues(u, splits) {
  return splits.map((v) => (Number.isInteger(v) ? formatCount(BigInt(v)) : ''));
}

// A time-series line chart in `container`; label names the series.
export class LineChart {
  constructor(container, {label, height = 220}) {
    this.container_ = container;
    this.height_ = height;
    const style = getComputedStyle(document.documentElement);
    const axisColor = style.getPropertyValue('--muted').trim() || '#9aa4b2';
    const gridColor = style.getPropertyValue('--grid').trim() || '#2a3140';
    const axis = {stroke: axisColor, grid: {stroke: gridColor, width: 1},
      ticks: {stroke: gridColor, width: 1}};
    this.plot_ = new uPlot({
      width: this.width_(),
      height,
      legend: {show: false},
      cursor: {drag: {x: false, y: false}},
      scales: {x: {time: true}, y: {range: (u, min, max) => [0, Math.max(1, max * 1.1)]}},
      axes: [axis, {...axis, size: 56, values: axisValues}],
      series: [{}, {label, stroke: kStroke, fill: kFill, width: 1.5,
        points: {show: false}}],
    }, [[], []], container);
    this.resizer_ = new ResizeObserver(() => {
      const width = this.width_();
      if (width !== this.plot_.width) this.plot_.setSize({width, height: this.height_});
    });
    this.resizer_.observe(container);
  }

  width_() {
    return Math.max(200, Math.floor(this.container_.clientWidth));
  }

  // columns: [times in seconds, values].
  setData(columns) {
    this.plot_.setData(columns);
  }

  destroy() {
    this.resizer_.disconnect();
    this.plot_.destroy();
  }
}

const kSvg = 'http://www.w3.org/2000/svg';

// An inline SVG polyline of `values` (Numbers), scaled to its own maximum.
export function sparkline(values, {width = 96, height = 24, label = ''} = {}) {
  const svg = document.createElementNS(kSvg, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', width);
  svg.setAttribute('height', height);
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  if (values.length < 2) return svg;
  const max = Math.max(1, ...values);
  const step = width / (values.length - 1);
  const points = values.map((v, i) =>
    `${(i * step).toFixed(1)},${(height - 1 - (v / max) * (height - 2)).toFixed(1)}`);
  const line = document.createElementNS(kSvg, 'polyline');
  line.setAttribute('points', points.join(' '));
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', kStroke);
  line.setAttribute('stroke-width', '1.5');
  svg.append(line);
  return svg;
}

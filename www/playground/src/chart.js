// The score over time (uPlot): the journey and the 90 days after "now", band thresholds
// as dashed lines, the pinned live rules as a second line, a vertical mark at "now".
import uPlot from 'uplot';

const COLORS = { score: '#1d4ed8', live: '#9333ea', band: '#94a3b8', now: '#dc2626' };
const CATEGORY_COLORS = ['#0891b2', '#16a34a', '#ca8a04', '#db2777', '#7c3aed', '#ea580c'];

function fmtDate(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')} UTC`;
}

const num = (v) => (v == null ? '–' : v.toFixed(1));

export class ScoreChart {
  constructor(parent) {
    this.parent = parent;
    this.plot = null;
    this.shape = '';
    this.now = 0;
    this.ro = new ResizeObserver(() => this.resize());
    this.ro.observe(parent);
  }

  size() {
    const w = Math.max(260, Math.floor(this.parent.clientWidth));
    return { width: w, height: Math.round(Math.min(240, Math.max(170, w * 0.42))) };
  }

  resize() {
    if (this.plot) this.plot.setSize(this.size());
  }

  /**
   * data: { x: ms[], score: number[], live?: number[], categories: {name: number[]},
   *         bands: [{name, min}], now }
   */
  update(data) {
    this.now = data.now;
    const cats = Object.keys(data.categories);
    const shape = JSON.stringify([cats, data.bands, !!data.live]);
    const cols = [data.x, data.score];
    if (data.live) cols.push(data.live);
    for (const c of cats) cols.push(data.categories[c]);
    for (const b of data.bands) cols.push(data.x.map(() => b.min));
    if (this.plot && shape === this.shape) {
      this.plot.setData(cols);
      return;
    }
    this.plot?.destroy();
    this.shape = shape;
    const series = [
      { value: (u, v) => (v == null ? '–' : fmtDate(v)) },
      { label: data.live ? 'Challenger' : 'Score', stroke: COLORS.score, width: 2, value: (u, v) => num(v) },
    ];
    if (data.live) series.push({ label: 'Live', stroke: COLORS.live, width: 2, dash: [6, 4], value: (u, v) => num(v) });
    cats.forEach((c, i) => series.push({
      label: c, stroke: CATEGORY_COLORS[i % CATEGORY_COLORS.length], width: 1, show: false, value: (u, v) => num(v),
    }));
    for (const b of data.bands) {
      series.push({
        label: `${b.name} ≥ ${b.min}`, stroke: COLORS.band, width: 1, dash: [3, 3], points: { show: false },
        value: () => String(b.min),
      });
    }
    const self = this;
    this.plot = new uPlot({
      ...this.size(),
      ms: 1,
      tzDate: (ts) => uPlot.tzDate(new Date(ts), 'Etc/UTC'),
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
      scales: { x: { time: true } },
      axes: [
        { stroke: '#475569', grid: { stroke: '#e2e8f0' } },
        { stroke: '#475569', grid: { stroke: '#e2e8f0' }, size: 44 },
      ],
      series,
      hooks: {
        draw: [
          (u) => {
            const x = Math.round(u.valToPos(self.now, 'x', true));
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = COLORS.now;
            ctx.setLineDash([2, 3]);
            ctx.lineWidth = 1.5 * devicePixelRatio;
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.restore();
          },
        ],
      },
    }, cols, this.parent);
  }
}

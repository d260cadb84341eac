import { MAX_DAILY_DAYS } from '@adnova/core/stats/stats.schema';
import { html, type SafeHtml } from '../html.ts';

/** One line of a chart; `index` picks its colour class (`series-0`…) in admin.css. */
export type Series = { label: string; values: readonly number[] };

export type LineChartOptions = {
  title: string;
  /** The x values (simulated days), one per point of every series. */
  days: readonly number[];
  series: readonly Series[];
  xLabel: string;
  emptyText: string;
  /** How y values print on the axis and in tooltips. */
  format?: (value: number) => string;
};

const WIDTH = 720;
const HEIGHT = 260;
const MARGIN = { top: 16, right: 16, bottom: 40, left: 64 };

/** A "nice" axis maximum and step (1, 2 or 5 × 10^n) for values up to `max`. */
export function niceScale(max: number, ticks = 5): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 0.2 };
  const rough = max / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  return { top: Math.ceil(max / step) * step, step };
}

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * Most points one chart draws, the latest ones: the daily series' window (spec §8 #37). A longer
 * input is cut rather than drawn (a million points made a page of hundreds of megabytes).
 */
export const MAX_CHART_POINTS = MAX_DAILY_DAYS;

/** The largest value of every series, at least 0. A loop: spreading a million values into `Math.max` overflows the stack. */
function largest(series: readonly Series[]): number {
  let max = 0;
  for (const s of series) for (const v of s.values) if (v > max) max = v;
  return max;
}

/**
 * A line chart as inline SVG, drawn on the server (no chart library, nothing to load): axes with
 * nice ticks, one polyline per series, a dot with a tooltip per point, a legend. Every text is
 * escaped by `html`; numbers only reach attributes after rounding. At most `MAX_CHART_POINTS`
 * days are drawn (the latest).
 */
export function lineChart(options: LineChartOptions): SafeHtml {
  const cut = Math.max(0, options.days.length - MAX_CHART_POINTS);
  const days = options.days.slice(cut);
  const series = options.series.map((s) => ({ ...s, values: s.values.slice(cut, cut + days.length) }));
  const format = options.format ?? ((v: number) => String(v));
  const max = largest(series);
  if (days.length === 0) {
    return html`<figure class="chart chart-empty"><figcaption>${options.title}</figcaption><p>${options.emptyText}</p></figure>`;
  }
  const { top, step } = niceScale(max);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (i: number) =>
    round(MARGIN.left + (days.length === 1 ? plotW / 2 : (i / (days.length - 1)) * plotW));
  const y = (v: number) => round(MARGIN.top + plotH - (v / top) * plotH);
  const yTicks: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) yTicks.push(Number(v.toPrecision(12)));
  const every = Math.max(1, Math.ceil(days.length / 12));
  const xTicks = days
    .map((day, i) => ({ day, i }))
    .filter(({ i }) => i % every === 0 || i === days.length - 1);
  const dots = days.length <= 90;
  return html`<figure class="chart">
    <figcaption>${options.title}</figcaption>
    <svg class="chart-svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${options.title}" preserveAspectRatio="xMidYMid meet">
      <title>${options.title}</title>
      <g class="grid">
        ${yTicks.map((v) => html`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(v)}" y2="${y(v)}"></line>`)}
      </g>
      <g class="axis y-axis">
        ${yTicks.map((v) => html`<text x="${MARGIN.left - 8}" y="${y(v) + 4}" text-anchor="end">${format(v)}</text>`)}
      </g>
      <g class="axis x-axis">
        <line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}"></line>
        ${xTicks.map(({ day, i }) => html`<text x="${x(i)}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${day}</text>`)}
        <text class="axis-label" x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 4}" text-anchor="middle">${options.xLabel}</text>
      </g>
      ${series.map(
        (s, index) => html`<g class="series series-${index % 6}">
          <polyline fill="none" points="${s.values.map((v, i) => `${x(i)},${y(v)}`).join(' ')}"></polyline>
          ${
            dots
              ? s.values.map(
                  (v, i) =>
                    html`<circle cx="${x(i)}" cy="${y(v)}" r="3"><title>${s.label}, ${options.xLabel} ${days[i]}: ${format(v)}</title></circle>`,
                )
              : ''
          }
        </g>`,
      )}
    </svg>
    <ul class="legend">
      ${series.map((s, index) => html`<li class="series-${index % 6}"><span class="swatch"></span>${s.label}</li>`)}
    </ul>
  </figure>`;
}

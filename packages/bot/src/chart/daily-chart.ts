import sharp from 'sharp';

/** One day of the advertiser's daily statistics, as far as the chart needs it. */
export type ChartDay = { date: number; impressions_count: number; clicks_count: number; spent_total: number };

export type ChartLabels = { impressions: string; clicks: string; spent: string; title: string };

/** The chart covers at most this many days (the latest ones): more bars would not be readable. */
export const CHART_MAX_DAYS = 31;

/**
 * The days the chart asks the API for on `today`: the latest `CHART_MAX_DAYS` of the advertiser's
 * range 0..today, so the bot downloads only what it draws (at day 2^31 − 1 the whole range was
 * billions of days).
 */
export function chartWindow(today: number): { from_day: number; to_day: number } {
  return { from_day: Math.max(0, today - CHART_MAX_DAYS + 1), to_day: today };
}

/** The largest of `value` over the days, at least 0 (a loop: no spread of an unbounded array). */
function largest(days: readonly ChartDay[], value: (day: ChartDay) => number): number {
  let max = 0;
  for (const day of days) max = Math.max(max, value(day));
  return max;
}

const WIDTH = 960;
const HEIGHT = 540;
const FONT = "font-family=\"'DejaVu Sans', 'Liberation Sans', Arial, sans-serif\"";
const COLORS = { impressions: '#4C78A8', clicks: '#F58518', spent: '#54A24B', grid: '#E3E6EA', text: '#333' };

const escapeXml = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** A round tick step so that about `ticks` steps cover `max`; whole numbers when `integer`. */
function tickStep(max: number, ticks: number, integer: boolean): number {
  if (max <= 0) return 1;
  const raw = max / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalized = raw / magnitude;
  const step = (normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10) * magnitude;
  return integer ? Math.max(1, Math.round(step)) : step;
}

function compact(value: number): string {
  return new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 }).format(value);
}

type Panel = { top: number; bottom: number; left: number; right: number };

function axis(panel: Panel, max: number, integer: boolean): { scale: (v: number) => number; svg: string } {
  const step = tickStep(max, 4, integer);
  const top = Math.max(step, Math.ceil(max / step) * step);
  const scale = (v: number) => panel.bottom - (v / top) * (panel.bottom - panel.top);
  let svg = '';
  for (let v = 0; v <= top + step / 2; v += step) {
    const y = scale(v).toFixed(1);
    svg += `<line x1="${panel.left}" x2="${panel.right}" y1="${y}" y2="${y}" stroke="${COLORS.grid}"/>`;
    svg += `<text x="${panel.left - 8}" y="${y}" dy="4" text-anchor="end" font-size="13" fill="${COLORS.text}" ${FONT}>${compact(v)}</text>`;
  }
  return { scale, svg };
}

/**
 * The daily chart as SVG: impressions and clicks as grouped bars on top, total spend as a line
 * below, for the last `CHART_MAX_DAYS` days of `days` (ascending by date, as the API sends them).
 */
export function dailyChartSvg(allDays: readonly ChartDay[], labels: ChartLabels): string {
  const days = allDays.slice(-CHART_MAX_DAYS);
  const left = 70;
  const right = WIDTH - 30;
  const bars: Panel = { top: 80, bottom: 330, left, right };
  const line: Panel = { top: 370, bottom: 490, left, right };
  const slot = (right - left) / Math.max(1, days.length);
  const center = (i: number) => left + slot * (i + 0.5);

  const counts = axis(
    bars,
    largest(days, (d) => Math.max(d.impressions_count, d.clicks_count)),
    true,
  );
  const money = axis(
    line,
    largest(days, (d) => d.spent_total),
    false,
  );

  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">`;
  svg += `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`;
  svg += `<text x="${left}" y="36" font-size="20" font-weight="bold" fill="${COLORS.text}" ${FONT}>${escapeXml(labels.title)}</text>`;
  const legend: [string, string][] = [
    [labels.impressions, COLORS.impressions],
    [labels.clicks, COLORS.clicks],
    [labels.spent, COLORS.spent],
  ];
  legend.forEach(([label, color], i) => {
    const x = left + i * 200;
    svg += `<rect x="${x}" y="50" width="14" height="14" fill="${color}"/>`;
    svg += `<text x="${x + 20}" y="62" font-size="14" fill="${COLORS.text}" ${FONT}>${escapeXml(label)}</text>`;
  });

  svg += counts.svg + money.svg;
  const barWidth = Math.max(1, Math.min(24, slot * 0.38));
  days.forEach((d, i) => {
    const x = center(i);
    for (const [value, color, offset] of [
      [d.impressions_count, COLORS.impressions, -barWidth],
      [d.clicks_count, COLORS.clicks, 0],
    ] as const) {
      const y = counts.scale(value);
      svg += `<rect x="${(x + offset).toFixed(1)}" y="${y.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(bars.bottom - y).toFixed(1)}" fill="${color}"/>`;
    }
  });

  const points = days.map((d, i) => `${center(i).toFixed(1)},${money.scale(d.spent_total).toFixed(1)}`);
  if (points.length > 1) {
    svg += `<polyline points="${points.join(' ')}" fill="none" stroke="${COLORS.spent}" stroke-width="3"/>`;
  }
  for (const point of points) {
    const [cx, cy] = point.split(',');
    svg += `<circle cx="${cx}" cy="${cy}" r="3.5" fill="${COLORS.spent}"/>`;
  }

  // Every day labelled up to 16 days, then every k-th so labels never overlap.
  const every = Math.max(1, Math.ceil(days.length / 16));
  days.forEach((d, i) => {
    if (i % every !== 0 && i !== days.length - 1) return;
    svg += `<text x="${center(i).toFixed(1)}" y="${line.bottom + 24}" text-anchor="middle" font-size="13" fill="${COLORS.text}" ${FONT}>${d.date}</text>`;
  });
  svg += `<line x1="${left}" x2="${right}" y1="${bars.bottom}" y2="${bars.bottom}" stroke="#999"/>`;
  svg += `<line x1="${left}" x2="${right}" y1="${line.bottom}" y2="${line.bottom}" stroke="#999"/>`;
  svg += '</svg>';
  return svg;
}

/** The daily chart as a PNG image, ready for `sendPhoto`. */
export function renderDailyChart(days: readonly ChartDay[], labels: ChartLabels): Promise<Buffer> {
  return sharp(Buffer.from(dailyChartSvg(days, labels)))
    .png()
    .toBuffer();
}

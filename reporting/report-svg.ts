/**
 * Small inline SVG charts for the availability report: a time-series line chart and a bar chart,
 * with axes, UTC time ticks, a legend and dashed reference lines (SLO, thresholds). Static markup,
 * no script and no external resources, so the report stays one self-contained file that renders
 * the same in any browser, in a PDF printer and years from now.
 */

export const CHART_WIDTH = 920;
export const CHART_HEIGHT = 260;
/** The right margin holds the labels of reference lines, so they never cover data. */
const MARGIN = { left: 64, right: 104, top: 34, bottom: 46 };
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, Noto Sans JP, sans-serif"';
const MINUTE = 60_000;
const TIME_STEPS = [1, 5, 15, 30, 60, 180, 360, 720, 1440, 2880, 10080, 43200].map((m) => m * MINUTE);

export interface ChartPoint {
  /** Milliseconds since the epoch. */
  x: number;
  y: number;
}

export interface ChartSeries {
  name: string;
  color: string;
  points: ChartPoint[];
}

export interface ReferenceLine {
  y: number;
  label: string;
  color: string;
}

export interface LineChartSpec {
  /** Accessible name of the chart. */
  title: string;
  yLabel: string;
  series: ChartSeries[];
  references?: ReferenceLine[];
  yMin?: number;
  yMax?: number;
  formatY?: (value: number) => string;
}

export interface BarSpec {
  label: string;
  value: number;
  color: string;
  /** Shown as the bar's SVG <title> (hover text). */
  note: string;
}

export interface BarChartSpec {
  title: string;
  yLabel: string;
  bars: BarSpec[];
  yMin: number;
  yMax: number;
  reference?: ReferenceLine;
  formatY?: (value: number) => string;
}

function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

const round = (value: number) => Math.round(value * 10) / 10;

/** Tick values at 1, 2 or 5 times a power of ten, about `count` of them, covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let value = Math.ceil(min / step) * step; value <= max + step * 1e-9; value += step) {
    ticks.push(Math.round(value / step) * step);
  }
  return ticks;
}

function timeTicks(min: number, max: number): number[] {
  const step = TIME_STEPS.find((candidate) => (max - min) / candidate <= 6) ?? TIME_STEPS.at(-1)!;
  const ticks: number[] = [];
  for (let value = Math.ceil(min / step) * step; value <= max; value += step) ticks.push(value);
  return ticks;
}

/** UTC tick label: the date on the first tick and wherever the day changes, else the time. */
function timeLabel(value: number, previous: number | undefined, dailyStep: boolean): string[] {
  const iso = new Date(value).toISOString();
  const day = iso.slice(5, 10);
  const time = iso.slice(11, 16);
  if (dailyStep) return [day];
  const newDay = previous === undefined || new Date(previous).toISOString().slice(0, 10) !== iso.slice(0, 10);
  return newDay ? [time, day] : [time];
}

function frame(title: string, body: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" width="100%" role="img" aria-label="${escapeXml(title)}" ${FONT} font-size="12">
<title>${escapeXml(title)}</title>
${body.join('\n')}
</svg>`;
}

function yAxis(
  ticks: number[],
  toY: (value: number) => number,
  label: string,
  format: (value: number) => string,
): string[] {
  const right = CHART_WIDTH - MARGIN.right;
  const lines = ticks.map(
    (tick) =>
      `<line x1="${MARGIN.left}" x2="${right}" y1="${round(toY(tick))}" y2="${round(toY(tick))}" stroke="#e5e7eb"/>` +
      `<text x="${MARGIN.left - 8}" y="${round(toY(tick) + 4)}" text-anchor="end" fill="#4b5563">${escapeXml(format(tick))}</text>`,
  );
  const middle = (MARGIN.top + CHART_HEIGHT - MARGIN.bottom) / 2;
  lines.push(
    `<text transform="translate(14 ${round(middle)}) rotate(-90)" text-anchor="middle" fill="#374151">${escapeXml(label)}</text>`,
  );
  return lines;
}

function reference(line: ReferenceLine, toY: (value: number) => number): string {
  const y = round(toY(line.y));
  const right = CHART_WIDTH - MARGIN.right;
  return (
    `<line x1="${MARGIN.left}" x2="${right}" y1="${y}" y2="${y}" stroke="${line.color}" stroke-width="1.5" stroke-dasharray="6 4"/>` +
    `<text x="${right + 6}" y="${round(y + 4)}" fill="${line.color}" font-weight="600" font-size="11">${escapeXml(line.label)}</text>`
  );
}

function legend(entries: { name: string; color: string }[]): string {
  let x = MARGIN.left;
  return entries
    .map((entry) => {
      const item =
        `<line x1="${x}" x2="${x + 18}" y1="14" y2="14" stroke="${entry.color}" stroke-width="2.5"/>` +
        `<text x="${x + 24}" y="18" fill="#1f2937">${escapeXml(entry.name)}</text>`;
      x += 24 + entry.name.length * 7 + 22;
      return item;
    })
    .join('');
}

function noData(title: string): string {
  return frame(title, [
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${CHART_WIDTH - MARGIN.left - MARGIN.right}" height="${CHART_HEIGHT - MARGIN.top - MARGIN.bottom}" fill="#f9fafb" stroke="#e5e7eb"/>`,
    `<text x="${CHART_WIDTH / 2}" y="${CHART_HEIGHT / 2}" text-anchor="middle" fill="#6b7280">no data in this window</text>`,
  ]);
}

export function renderLineChart(spec: LineChartSpec): string {
  const points = spec.series.flatMap((s) => s.points);
  if (points.length === 0) return noData(spec.title);
  const format = spec.formatY ?? ((value: number) => String(value));
  let xMin = Math.min(...points.map((p) => p.x));
  let xMax = Math.max(...points.map((p) => p.x));
  if (xMax - xMin < MINUTE) {
    // One moment in time: centre it in a ten-minute window so the axis still reads as time.
    xMin -= 5 * MINUTE;
    xMax += 5 * MINUTE;
  }
  const ys = [...points.map((p) => p.y), ...(spec.references ?? []).map((r) => r.y)];
  let yMin = spec.yMin ?? Math.min(0, ...ys);
  let yMax = spec.yMax ?? Math.max(...ys);
  if (yMax - yMin < 1e-9) {
    yMax += 1;
    yMin = Math.min(yMin, 0);
  }
  const ticks = niceTicks(yMin, yMax);
  yMin = Math.min(yMin, ticks[0]!);
  yMax = Math.max(yMax, ticks.at(-1)!);
  const plotWidth = CHART_WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = CHART_HEIGHT - MARGIN.top - MARGIN.bottom;
  const toX = (x: number) => MARGIN.left + ((x - xMin) / (xMax - xMin)) * plotWidth;
  const toY = (y: number) => MARGIN.top + (1 - (y - yMin) / (yMax - yMin)) * plotHeight;

  const body = yAxis(ticks, toY, spec.yLabel, format);
  const xTicks = timeTicks(xMin, xMax);
  const dailyStep = xTicks.length > 1 && xTicks[1]! - xTicks[0]! >= 1440 * MINUTE;
  xTicks.forEach((tick, i) => {
    const x = round(toX(tick));
    const lines = timeLabel(tick, xTicks[i - 1], dailyStep);
    body.push(
      `<line x1="${x}" x2="${x}" y1="${CHART_HEIGHT - MARGIN.bottom}" y2="${CHART_HEIGHT - MARGIN.bottom + 5}" stroke="#9ca3af"/>` +
        `<text x="${x}" y="${CHART_HEIGHT - MARGIN.bottom + 18}" text-anchor="middle" fill="#4b5563">${lines
          .map((line, n) => `<tspan x="${x}" dy="${n === 0 ? 0 : 14}">${escapeXml(line)}</tspan>`)
          .join('')}</text>`,
    );
  });
  body.push(
    `<line x1="${MARGIN.left}" x2="${CHART_WIDTH - MARGIN.right}" y1="${CHART_HEIGHT - MARGIN.bottom}" y2="${CHART_HEIGHT - MARGIN.bottom}" stroke="#9ca3af"/>`,
  );
  for (const line of spec.references ?? []) body.push(reference(line, toY));
  for (const series of spec.series) {
    const sorted = [...series.points].sort((a, b) => a.x - b.x);
    const coordinates = sorted.map((p) => `${round(toX(p.x))},${round(toY(p.y))}`);
    if (sorted.length > 1) {
      body.push(
        `<polyline points="${coordinates.join(' ')}" fill="none" stroke="${series.color}" stroke-width="2" stroke-linejoin="round"/>`,
      );
    }
    if (sorted.length <= 60) {
      for (const point of sorted) {
        body.push(
          `<circle cx="${round(toX(point.x))}" cy="${round(toY(point.y))}" r="3" fill="${series.color}"><title>${escapeXml(
            `${series.name}: ${format(point.y)} at ${new Date(point.x).toISOString().replace('.000Z', 'Z')}`,
          )}</title></circle>`,
        );
      }
    }
  }
  // Reference lines carry their own label; the legend names the data series.
  body.push(legend(spec.series.map((s) => ({ name: s.name, color: s.color }))));
  return frame(spec.title, body);
}

export function renderBarChart(spec: BarChartSpec): string {
  if (spec.bars.length === 0) return noData(spec.title);
  const format = spec.formatY ?? ((value: number) => String(value));
  const plotWidth = CHART_WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = CHART_HEIGHT - MARGIN.top - MARGIN.bottom;
  const { yMin, yMax } = spec;
  const toY = (y: number) =>
    MARGIN.top + (1 - (Math.max(yMin, Math.min(yMax, y)) - yMin) / (yMax - yMin)) * plotHeight;
  const body = yAxis(niceTicks(yMin, yMax), toY, spec.yLabel, format);
  const slot = plotWidth / spec.bars.length;
  const barWidth = Math.min(48, slot * 0.7);
  const labelEvery = Math.ceil(spec.bars.length / 16);
  spec.bars.forEach((bar, i) => {
    const x = MARGIN.left + slot * i + (slot - barWidth) / 2;
    const top = toY(bar.value);
    const bottom = CHART_HEIGHT - MARGIN.bottom;
    // A bar at the floor of the axis still gets 2 px, so a very bad day is visible, not blank.
    const height = Math.max(2, bottom - top);
    body.push(
      `<rect x="${round(x)}" y="${round(bottom - height)}" width="${round(barWidth)}" height="${round(height)}" fill="${bar.color}"><title>${escapeXml(bar.note)}</title></rect>`,
    );
    if (i % labelEvery === 0) {
      body.push(
        `<text x="${round(x + barWidth / 2)}" y="${bottom + 18}" text-anchor="middle" fill="#4b5563">${escapeXml(bar.label)}</text>`,
      );
    }
    if (spec.bars.length <= 16) {
      // The value above the bar, or inside its top in white when the bar reaches the top.
      const inside = bottom - height - 6 < MARGIN.top + 12;
      const y = inside ? bottom - height + 15 : bottom - height - 6;
      body.push(
        `<text x="${round(x + barWidth / 2)}" y="${round(y)}" text-anchor="middle" fill="${inside ? '#ffffff' : '#111827'}" font-size="11" font-weight="600">${escapeXml(format(bar.value))}</text>`,
      );
    }
  });
  body.push(
    `<line x1="${MARGIN.left}" x2="${CHART_WIDTH - MARGIN.right}" y1="${CHART_HEIGHT - MARGIN.bottom}" y2="${CHART_HEIGHT - MARGIN.bottom}" stroke="#9ca3af"/>`,
  );
  if (spec.reference) body.push(reference(spec.reference, toY));
  return frame(spec.title, body);
}

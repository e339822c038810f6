// The report chart: three panels over demo minutes (p95 TTFT, goodput, the adaptive run's
// feed weights), incidents shaded, adaptive vs static in the same colours throughout. Drawn
// as SVG by hand (a few polylines do not need a charting library) and rasterized to PNG with
// @resvg/resvg-js, whose prebuilt binary comes inside its npm package.
import { writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import type { UserOutcome } from './gateways.js';
import { isGood, quantile, TTFT_SLO_MS, type WeightSample } from './metrics.js';
import type { FleetTarget, Scenario } from './scenario.js';

export interface ChartInput {
  title: string;
  subtitle: string;
  scenario: Scenario;
  runMs: number;
  fleet: FleetTarget[];
  adaptive: UserOutcome[];
  static: UserOutcome[];
  samples: WeightSample[];
}

const W = 1200;
const PANEL_H = 220;
const LEFT = 80;
const RIGHT = 190;
const TOP = 90;
const GAP = 60;
const COLORS = { adaptive: '#1f77b4', static: '#d62728' };
const TARGET_COLORS = ['#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b'];
/** Targets often share a weight: dashes keep a line visible on top of another. */
const TARGET_DASHES = ['', '10 5', '4 3', '2 4', '8 3 2 3'];
const FONT = "font-family='DejaVu Sans, Liberation Sans, Arial, sans-serif'";

interface Panel {
  y0: number;
  yMax: number;
  runMs: number;
}

const px = (p: Panel, ms: number): number => LEFT + (ms / p.runMs) * (W - LEFT - RIGHT);
const py = (p: Panel, v: number): number =>
  p.y0 + PANEL_H - (Math.min(v, p.yMax) / p.yMax) * PANEL_H;
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function polyline(
  p: Panel,
  pts: [number, number][],
  color: string,
  width = 2.5,
  dash = '',
): string {
  if (pts.length === 0) return '';
  const d = pts.map(([x, y]) => `${px(p, x).toFixed(1)},${py(p, y).toFixed(1)}`).join(' ');
  const dashed = dash !== '' ? ` stroke-dasharray='${dash}'` : '';
  return `<polyline points='${d}' fill='none' stroke='${color}' stroke-width='${width}' stroke-linejoin='round'${dashed}/>`;
}

/** Per demo-minute buckets of the requests sent in that minute. */
function buckets(
  os: UserOutcome[],
  runMs: number,
  f: (xs: UserOutcome[]) => number | null,
): [number, number][] {
  const out: [number, number][] = [];
  for (let t = 0; t < runMs; t += 60_000) {
    const v = f(os.filter((o) => o.atMs >= t && o.atMs < t + 60_000));
    if (v !== null) out.push([t + 30_000, v]);
  }
  return out;
}

function frame(p: Panel, label: string, ticks: number[], unit: string): string {
  const grid = ticks
    .map(
      (v) =>
        `<line x1='${LEFT}' x2='${W - RIGHT}' y1='${py(p, v)}' y2='${py(p, v)}' stroke='#e5e5e5'/>` +
        `<text x='${LEFT - 8}' y='${py(p, v) + 4}' text-anchor='end' font-size='12' ${FONT} fill='#555'>${v}${unit}</text>`,
    )
    .join('');
  const xTicks: string[] = [];
  const step = p.runMs > 40 * 60_000 ? 10 : 5;
  for (let m = 0; m * 60_000 <= p.runMs; m += step) {
    xTicks.push(
      `<text x='${px(p, m * 60_000)}' y='${p.y0 + PANEL_H + 16}' text-anchor='middle' font-size='12' ${FONT} fill='#555'>${m}</text>`,
    );
  }
  return (
    `${grid}<rect x='${LEFT}' y='${p.y0}' width='${W - LEFT - RIGHT}' height='${PANEL_H}' fill='none' stroke='#999'/>` +
    `<text x='${LEFT}' y='${p.y0 - 10}' font-size='15' font-weight='bold' ${FONT} fill='#222'>${esc(label)}</text>${xTicks.join('')}`
  );
}

function incidents(p: Panel, s: Scenario): string {
  return s.incidents
    .map((i) => {
      const from = (i.kind === 'prompt' ? i.at : i.from) * p.runMs;
      const to = i.kind === 'prompt' ? p.runMs : i.to * p.runMs;
      const name =
        i.kind === 'ttft'
          ? `${i.region} TTFT ${i.ttftMs / 1000} s`
          : i.kind === 'errors'
            ? `${i.target} ${Math.round(i.rate * 100)}% 5xx`
            : i.kind === 'burst'
              ? `burst x${i.factor}`
              : `prompt ${i.version}`;
      return (
        `<rect x='${px(p, from)}' y='${p.y0}' width='${px(p, to) - px(p, from)}' height='${PANEL_H}' fill='#f5d76e' fill-opacity='0.25'/>` +
        `<text x='${px(p, from) + 4}' y='${p.y0 + 14}' font-size='11' ${FONT} fill='#8a6d00'>${esc(name)}</text>`
      );
    })
    .join('');
}

function legend(x: number, y: number, items: [string, string][]): string {
  return items
    .map(
      ([name, color], i) =>
        `<rect x='${x}' y='${y + i * 20}' width='14' height='4' fill='${color}'/>` +
        `<text x='${x + 20}' y='${y + i * 20 + 6}' font-size='12' ${FONT} fill='#222'>${esc(name)}</text>`,
    )
    .join('');
}

export function renderSvg(c: ChartInput): string {
  const p1: Panel = { y0: TOP, yMax: 70, runMs: c.runMs };
  const p2: Panel = { y0: TOP + PANEL_H + GAP, yMax: 100, runMs: c.runMs };
  const p3: Panel = { y0: TOP + 2 * (PANEL_H + GAP), yMax: 100, runMs: c.runMs };
  const p95 = (os: UserOutcome[]): number | null => {
    const q = quantile(
      os.filter((o) => o.ttftMs !== undefined).map((o) => o.ttftMs as number),
      0.95,
    );
    return q === null ? null : q / 1000;
  };
  const goodput = (os: UserOutcome[]): number | null =>
    os.length === 0 ? null : (100 * os.filter(isGood).length) / os.length;
  const runs: [string, UserOutcome[], string][] = [
    ['adaptive (feed)', c.adaptive, COLORS.adaptive],
    ['static (round-robin)', c.static, COLORS.static],
  ];
  const weightLines = c.fleet.map((t, i) =>
    polyline(
      p3,
      c.samples.map((s) => [s.atMs, s.weights[t.id] ?? 0]),
      TARGET_COLORS[i % TARGET_COLORS.length] as string,
      2.5,
      TARGET_DASHES[i % TARGET_DASHES.length],
    ),
  );
  const H = p3.y0 + PANEL_H + 50;
  return [
    `<svg xmlns='http://www.w3.org/2000/svg' width='${W}' height='${H}' viewBox='0 0 ${W} ${H}'>`,
    `<rect width='${W}' height='${H}' fill='white'/>`,
    `<text x='${LEFT}' y='36' font-size='22' font-weight='bold' ${FONT} fill='#111'>${esc(c.title)}</text>`,
    `<text x='${LEFT}' y='60' font-size='13' ${FONT} fill='#444'>${esc(c.subtitle)}</text>`,
    incidents(p1, c.scenario),
    frame(p1, 'p95 time to first token per minute (s)', [0, 10, 20, 30, 40, 50, 60, 70], ''),
    `<line x1='${LEFT}' x2='${W - RIGHT}' y1='${py(p1, TTFT_SLO_MS / 1000)}' y2='${py(p1, TTFT_SLO_MS / 1000)}' stroke='#444' stroke-dasharray='6 4'/>`,
    ...runs.map(([, os, color]) => polyline(p1, buckets(os, c.runMs, p95), color)),
    legend(W - RIGHT + 15, p1.y0 + 10, [
      ...runs.map(([n, , color]) => [n, color] as [string, string]),
      ['TTFT SLO', '#444'],
    ]),
    incidents(p2, c.scenario),
    frame(
      p2,
      `goodput per minute (% answered with TTFT <= ${TTFT_SLO_MS / 1000} s)`,
      [0, 25, 50, 75, 100],
      '%',
    ),
    ...runs.map(([, os, color]) => polyline(p2, buckets(os, c.runMs, goodput), color)),
    legend(
      W - RIGHT + 15,
      p2.y0 + 10,
      runs.map(([n, , color]) => [n, color]),
    ),
    incidents(p3, c.scenario),
    frame(p3, 'adaptive run: routing-feed weights the gateway applied', [0, 25, 50, 75, 100], ''),
    ...weightLines,
    legend(
      W - RIGHT + 15,
      p3.y0 + 10,
      c.fleet.map((t, i) => [t.id, TARGET_COLORS[i % TARGET_COLORS.length] as string]),
    ),
    `<text x='${(LEFT + W - RIGHT) / 2}' y='${H - 12}' text-anchor='middle' font-size='13' ${FONT} fill='#444'>demo minutes</text>`,
    '</svg>',
  ].join('\n');
}

/** Writes the chart as PNG (and the SVG next to it); returns the PNG size in bytes. */
export function writeChart(c: ChartInput, pngFile: string): number {
  const svg = renderSvg(c);
  writeFileSync(pngFile.replace(/\.png$/i, '') + '.svg', svg);
  const png = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    fitTo: { mode: 'original' },
  })
    .render()
    .asPng();
  writeFileSync(pngFile, png);
  return png.length;
}

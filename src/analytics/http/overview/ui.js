// DOM and formatting helpers for the overview cards. Everything is built with createElement
// and textContent (never innerHTML), so values from the API (tenant names, alert summaries)
// cannot inject markup, and the strict CSP needs no inline-style or script exceptions.
/* global document, window */

export const PALETTE = [
  '#2563eb',
  '#16a34a',
  '#f59e0b',
  '#dc2626',
  '#7c3aed',
  '#0891b2',
  '#db2777',
  '#65a30d',
  '#ea580c',
  '#64748b',
];

/** el('td', { className: 'num', title: 'x', data: { key: 'acme' } }, 'text', childNode) */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (name === 'data') Object.assign(node.dataset, value);
    else node[name] = value;
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
  }
  return node;
}

/**
 * A decimal string (the API's exact money) rounded half-up to 6 places on the digits, never
 * through a float, with grouped thousands: "1234.5678901" -> "$1,234.56789".
 */
export function money(decimal) {
  const text = String(decimal ?? '0').trim();
  const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (match === null) return text;
  const [, sign, intRaw, fracRaw = ''] = match;
  let scaled = BigInt((intRaw || '0') + fracRaw.padEnd(6, '0').slice(0, 6));
  if ((fracRaw[6] ?? '0') >= '5') scaled += 1n;
  const digits = scaled.toString().padStart(7, '0');
  const int = digits.slice(0, -6).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const frac = digits.slice(-6).replace(/0+$/, '');
  const negative = sign === '-' && scaled !== 0n;
  return `${negative ? '-' : ''}$${int}${frac ? `.${frac}` : ''}`;
}

/** A money cell: rounded text, the exact decimal in the tooltip and data-value (tests read it). */
export function moneyCell(decimal, field) {
  return el(
    'td',
    { className: 'num', title: `$${decimal}`, data: { value: String(decimal), field } },
    money(decimal),
  );
}

export const pct = (x, digits = 1) =>
  x === null || x === undefined || !Number.isFinite(Number(x))
    ? '–'
    : `${(Number(x) * 100).toFixed(digits)}%`;
export const ms = (x) =>
  x === null || x === undefined ? '–' : `${Math.round(Number(x)).toLocaleString('en-US')} ms`;
export const num = (x) => (x === null || x === undefined ? '–' : Number(x).toLocaleString('en-US'));
export const ratio = (x) => (x === null || x === undefined ? '–' : `×${Number(x).toFixed(2)}`);

/** A status word as a coloured pill; the class names are the API's own status values. */
export function badge(status) {
  return el(
    'span',
    { className: `badge s-${String(status).replace(/[^a-z_]/gi, '')}` },
    String(status).replace(/_/g, ' '),
  );
}

/**
 * columns: [{ label, cell: (row) => string | number | Node (a <td> is used as is), num }]
 * Each row carries data-key = keyOf(row) so tests and people can find a group by name.
 */
export function table(columns, rows, keyOf) {
  const head = el(
    'tr',
    {},
    columns.map((c) => el('th', { className: c.num ? 'num' : '' }, c.label)),
  );
  const body = rows.map((row) =>
    el(
      'tr',
      { data: keyOf ? { key: String(keyOf(row)) } : {} },
      columns.map((c) => {
        const value = c.cell(row);
        if (value instanceof window.HTMLTableCellElement) return value;
        return el(
          'td',
          { className: c.num ? 'num' : '' },
          value instanceof window.Node ? value : String(value ?? '–'),
        );
      }),
    ),
  );
  return el(
    'div',
    { className: 'table-wrap' },
    el('table', {}, el('thead', {}, head), el('tbody', {}, body)),
  );
}

/** A group's label: its dimension values joined, '(empty)' for the blank attribution. */
export const label = (row, dims) =>
  dims.map((d) => (row[d] === '' || row[d] === undefined ? '(empty)' : String(row[d]))).join(' · ');

const BASE_OPTIONS = {
  // No animation: the numbers are what matters, and screenshots and tests see the final frame.
  animation: false,
  responsive: true,
  maintainAspectRatio: false,
  plugins: { legend: { labels: { boxWidth: 12 } } },
};

/**
 * A chart placeholder. The Chart is created by `mount()` once the node is in the document
 * (Chart.js sizes a responsive canvas from its attached parent). Without Chart.js (not
 * installed, or blocked) the wrapper says so and the card's table still carries the numbers.
 */
export function chartBox(config, height = 220) {
  const canvas = el('canvas', { ariaLabel: 'chart', role: 'img' });
  const box = el('div', { className: 'chart-box' }, canvas);
  box.style.height = `${height}px`; // CSSOM, which a strict CSP allows (unlike style="...")
  const mount = () => {
    if (typeof window.Chart !== 'function') {
      box.replaceChildren(
        el('p', { className: 'muted' }, 'Chart library not loaded; numbers below.'),
      );
      box.style.height = 'auto';
      return;
    }
    const options = {
      ...BASE_OPTIONS,
      ...config.options,
      plugins: { ...BASE_OPTIONS.plugins, ...config.options?.plugins },
    };
    new window.Chart(canvas, { ...config, options });
    canvas.dataset.chart = 'ready';
  };
  return { node: box, mount };
}

/** Destroy the charts inside a node before it is replaced (Chart.js keeps resize listeners). */
export function destroyCharts(root) {
  if (typeof window.Chart !== 'function') return;
  for (const canvas of root.querySelectorAll('canvas')) window.Chart.getChart(canvas)?.destroy();
}

/** Horizontal bars for one series: [{ label, value }]. */
export function barChart(points, { format = (v) => String(v), color = PALETTE[0], height } = {}) {
  return chartBox(
    {
      type: 'bar',
      data: {
        labels: points.map((p) => p.label),
        datasets: [{ data: points.map((p) => p.value), backgroundColor: color }],
      },
      options: {
        indexAxis: 'y',
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (c) => format(c.parsed.x) } },
        },
        scales: { x: { beginAtZero: true, ticks: { callback: (v) => format(v) } } },
      },
    },
    height ?? Math.max(120, 28 * points.length + 40),
  );
}

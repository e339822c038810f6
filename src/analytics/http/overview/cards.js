// The overview's cards: each reads one /v1 endpoint and returns a node (or `{ empty }` when the
// endpoint answered with nothing to show). A failed request throws, and page.js renders the
// card as "not available": the cards never decide that themselves.
import {
  PALETTE,
  badge,
  barChart,
  chartBox,
  el,
  label,
  money,
  moneyCell,
  ms,
  num,
  pct,
  ratio,
  table,
} from './ui.js';

const usdAxis = (v) =>
  Math.abs(v) >= 1 ? `$${Number(v).toFixed(2)}` : `$${Number(Number(v).toPrecision(2))}`;
const when = (iso) =>
  new Date(iso).toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'short' });
const range = (ctx) => ({ from: ctx.from, to: ctx.to });
// Groups by cost, then `other`, then the reservation rows (purchase, unused), which are no group.
const rank = (r) => (r.reservation !== undefined ? 2 : r.other ? 1 : 0);
const byCost = (a, b) => rank(a) - rank(b) || Number(b.cost_usd) - Number(a.cost_usd);

function tile(name, value, extra = {}) {
  return el(
    'div',
    { className: `tile ${extra.warn ? 'warn' : ''}`, data: { kpi: name } },
    el('div', { className: 'tile-label' }, name),
    el('div', { className: 'tile-value', title: extra.title }, value),
  );
}

const kpis = {
  id: 'card-kpis',
  async load(ctx) {
    // Spread: the unused reservation share is paid for, so the Spend tile carries it (the
    // total the invoice shows) instead of leaving it on a row this card does not read.
    const { rows } = await ctx.get('/v1/costs', { ...range(ctx), unused: 'spread' });
    const t = rows[0];
    if (t === undefined || t.calls === 0) return { empty: 'No LLM calls recorded in this range.' };
    const saved = Number(t.list_cost_usd) - Number(t.cost_usd);
    return {
      node: el(
        'div',
        { className: 'tiles' },
        tile('Spend', money(t.cost_usd), { title: `$${t.cost_usd}` }),
        tile('List price', money(t.list_cost_usd), { title: `$${t.list_cost_usd}` }),
        tile('Saved vs list', saved > 0 ? usdAxis(saved) : '$0'),
        tile('Calls', num(t.calls)),
        tile('Tokens in / out', `${num(t.input_tokens)} / ${num(t.output_tokens)}`),
        tile(
          'Prompt-cache reads',
          pct(t.input_tokens ? t.cache_read_tokens / t.input_tokens : null),
        ),
        tile('Unpriced calls', num(t.unpriced_calls), { warn: t.unpriced_calls > 0 }),
        tile('Incomplete usage', num(t.usage_incomplete_calls ?? 0), {
          warn: (t.usage_incomplete_calls ?? 0) > 0,
        }),
      ),
    };
  },
};

/** Every bucket start from `from` to `to`, so hours without calls show as gaps, not squeezed out. */
function buckets(ctx) {
  const step = ctx.interval === '1h' ? 3_600_000 : 86_400_000;
  const out = [];
  for (let t = Math.floor(Date.parse(ctx.from) / step) * step; t < Date.parse(ctx.to); t += step)
    out.push(t);
  return out;
}

const costOverTime = {
  id: 'card-cost-time',
  async load(ctx) {
    const { rows } = await ctx.get('/v1/costs', {
      ...range(ctx),
      group_by: 'tenant',
      top: '6',
      interval: ctx.interval,
    });
    if (rows.length === 0) return { empty: 'No spend in this range.' };
    const times = buckets(ctx);
    const series = new Map();
    for (const r of rows) {
      const name = r.other ? 'other' : label(r, ['tenant']);
      if (!series.has(name)) series.set(name, new Map());
      series.get(name).set(Date.parse(r.bucket), Number(r.cost_usd));
    }
    const fmt = (t) =>
      ctx.interval === '1h'
        ? new Date(t).toLocaleString('en-GB', {
            day: '2-digit',
            month: 'short',
            hour: '2-digit',
            minute: '2-digit',
          })
        : new Date(t).toLocaleDateString('en-GB', { day: '2-digit', month: 'short' });
    const datasets = [...series].map(([name, values], i) => ({
      label: name,
      data: times.map((t) => values.get(t) ?? 0),
      backgroundColor: PALETTE[i % PALETTE.length],
    }));
    const box = chartBox(
      {
        type: 'bar',
        data: { labels: times.map(fmt), datasets },
        options: {
          scales: { x: { stacked: true }, y: { stacked: true, ticks: { callback: usdAxis } } },
          plugins: {
            tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${usdAxis(c.parsed.y)}` } },
          },
        },
      },
      240,
    );
    return { node: ctx.use(box) };
  },
};

function costBy(id, dim) {
  return {
    id,
    async load(ctx) {
      const { rows } = await ctx.get('/v1/costs', { ...range(ctx), group_by: dim, top: '8' });
      if (rows.length === 0) return { empty: 'No spend in this range.' };
      rows.sort(byCost);
      const name = (r) => (r.other ? 'other' : label(r, [dim]));
      const chart = barChart(
        rows.map((r) => ({ label: name(r), value: Number(r.cost_usd) })),
        { format: usdAxis },
      );
      return {
        node: el(
          'div',
          {},
          ctx.use(chart),
          table(
            [
              { label: dim, cell: name },
              { label: 'calls', num: true, cell: (r) => num(r.calls) },
              { label: 'cost', num: true, cell: (r) => moneyCell(r.cost_usd, 'cost_usd') },
              {
                label: 'list',
                num: true,
                cell: (r) => moneyCell(r.list_cost_usd, 'list_cost_usd'),
              },
            ],
            rows,
            name,
          ),
        ),
      };
    },
  };
}

const outcomes = {
  id: 'card-outcomes',
  async load(ctx) {
    const res = await ctx.get('/v1/outcomes/spend', { ...range(ctx), group_by: 'feature' });
    if (res.rows.length === 0)
      return {
        empty: 'No outcomes recorded in this range (POST /v1/outcomes or finops.outcome spans).',
      };
    const name = (r) => label(r, ['feature']);
    const points = res.rows
      .filter((r) => r.successful_outcomes > 0)
      .map((r) => ({ label: name(r), value: Number(r.spend_per_success_usd) }));
    return {
      node: el(
        'div',
        {},
        points.length > 0
          ? ctx.use(barChart(points, { format: usdAxis, color: PALETTE[1] }))
          : null,
        table(
          [
            { label: 'feature', cell: name },
            {
              label: 'successes',
              num: true,
              cell: (r) => `${num(r.successful_outcomes)} / ${num(r.outcomes)}`,
            },
            { label: 'spend', num: true, cell: (r) => moneyCell(r.spend_usd, 'spend_usd') },
            {
              label: 'per success',
              num: true,
              cell: (r) => moneyCell(r.spend_per_success_usd, 'spend_per_success_usd'),
            },
          ],
          res.rows,
          name,
        ),
        el(
          'p',
          { className: 'muted note' },
          `Spend not linked to any outcome: ${money(res.unlinked.spend_usd)} of ${money(res.total.spend_usd)}.`,
        ),
      ),
    };
  },
};

const drift = {
  id: 'card-drift',
  async load(ctx) {
    const { rows } = await ctx.get('/v1/ttft/drift', { group_by: 'provider,model' });
    if (rows.length === 0)
      return { empty: 'No streamed calls with a time to first token in the last 24 hours.' };
    const name = (r) => label(r, ['provider', 'model']);
    const box = chartBox(
      {
        type: 'bar',
        data: {
          labels: rows.map(name),
          datasets: [
            {
              label: 'baseline p50',
              data: rows.map((r) => r.baseline.p50),
              backgroundColor: PALETTE[9],
            },
            {
              label: 'current p50',
              data: rows.map((r) => r.current.p50),
              backgroundColor: PALETTE[2],
            },
          ],
        },
        options: {
          indexAxis: 'y',
          scales: { x: { beginAtZero: true, ticks: { callback: (v) => `${v} ms` } } },
        },
      },
      Math.max(140, 48 * rows.length + 50),
    );
    return {
      node: el(
        'div',
        {},
        ctx.use(box),
        table(
          [
            { label: 'provider · model', cell: name },
            {
              label: 'p50 now / base',
              num: true,
              cell: (r) => `${ms(r.current.p50)} / ${ms(r.baseline.p50)}`,
            },
            { label: 'p95 ratio', num: true, cell: (r) => ratio(r.p95_ratio) },
            { label: 'status', cell: (r) => badge(r.status) },
          ],
          rows,
          name,
        ),
      ),
    };
  },
};

const cache = {
  id: 'card-cache',
  async load(ctx) {
    const res = await ctx.get('/v1/cache', range(ctx));
    const app = res.app_cache
      .filter((r) => r.hit_rate !== null)
      .map((r) => ({
        kind: 'app',
        label: label(r, ['route', 'cache_layer']),
        value: r.hit_rate,
        of: `${num(r.lookups)} lookups`,
      }));
    const prompt = res.prompt_cache
      .filter((r) => r.token_share !== null)
      .map((r) => ({
        kind: 'prompt',
        label: label(r, ['route', 'model']),
        value: r.token_share,
        of: `${num(r.input_tokens)} tokens`,
      }));
    const points = [...app, ...prompt].slice(0, 12);
    if (points.length === 0)
      return { empty: 'No cache lookups or prompt-cache reads in this range.' };
    // Two series on one axis: the kinds measure different things (lookups hit vs input tokens read).
    const series = (kind) =>
      points.map((p) => (p.kind === kind ? Math.round(p.value * 1000) / 10 : null));
    const box = chartBox(
      {
        type: 'bar',
        data: {
          labels: points.map((p) => p.label),
          datasets: [
            {
              label: 'app cache: hit rate',
              data: series('app'),
              backgroundColor: PALETTE[5],
              skipNull: true,
            },
            {
              label: 'prompt cache: share of input tokens',
              data: series('prompt'),
              backgroundColor: PALETTE[4],
              skipNull: true,
            },
          ],
        },
        options: {
          indexAxis: 'y',
          scales: { x: { beginAtZero: true, max: 100, ticks: { callback: (v) => `${v}%` } } },
        },
      },
      Math.max(140, 26 * points.length + 70),
    );
    return {
      node: el(
        'div',
        {},
        ctx.use(box),
        table(
          [
            { label: 'route · layer or model', cell: (p) => p.label },
            { label: 'cache', cell: (p) => p.kind },
            { label: 'share', num: true, cell: (p) => pct(p.value) },
            { label: 'of', num: true, cell: (p) => p.of },
          ],
          points,
          (p) => `${p.kind}:${p.label}`,
        ),
      ),
    };
  },
};

const cacheRegressions = {
  id: 'card-cache-regressions',
  async load(ctx) {
    const { rows } = await ctx.get('/v1/cache/regressions');
    if (rows.length === 0) return { empty: 'Not enough cache traffic in the last day to test.' };
    const order = { regression: 0, ok: 1, insufficient_data: 2 };
    rows.sort((a, b) => order[a.status] - order[b.status]);
    const found = rows.filter((r) => r.status === 'regression').length;
    const name = (r) => `${label(r, ['route'])} · ${r.cache_layer ?? r.model ?? ''} (${r.cache})`;
    return {
      node: el(
        'div',
        {},
        el(
          'p',
          { className: found > 0 ? 'bad note' : 'good note' },
          found > 0
            ? `${found} significant drop${found > 1 ? 's' : ''} in hit rate.`
            : `No significant drop across ${rows.length} checks.`,
        ),
        table(
          [
            { label: 'cache', cell: name },
            {
              label: 'hit rate',
              num: true,
              cell: (r) => `${pct(r.baseline.rate)} → ${pct(r.current.rate)}`,
            },
            { label: 'new prompts', cell: (r) => r.new_prompt_versions.join(', ') || '–' },
            { label: 'status', cell: (r) => badge(r.status) },
          ],
          rows.slice(0, 10),
          name,
        ),
      ),
    };
  },
};

const capacity = {
  id: 'card-capacity',
  async load(ctx) {
    const { rows } = await ctx.get('/v1/capacity', range(ctx));
    if (rows.length === 0)
      return {
        empty:
          'No provisioned deployments configured (finops.reservations or performance.capacity.deployments).',
      };
    const u = (r, k) => (r.utilization === null ? null : Math.round(r.utilization[k] * 1000) / 10);
    const box = chartBox(
      {
        type: 'bar',
        data: {
          labels: rows.map((r) => r.deployment),
          datasets: [
            ['mean', PALETTE[0]],
            ['p90', PALETTE[2]],
            ['peak', PALETTE[3]],
          ].map(([k, color]) => ({
            label: `${k} utilization`,
            data: rows.map((r) => u(r, k)),
            backgroundColor: color,
          })),
        },
        options: {
          indexAxis: 'y',
          scales: {
            x: { beginAtZero: true, suggestedMax: 100, ticks: { callback: (v) => `${v}%` } },
          },
        },
      },
      Math.max(140, 56 * rows.length + 50),
    );
    return {
      node: el(
        'div',
        {},
        ctx.use(box),
        table(
          [
            { label: 'deployment', cell: (r) => r.deployment },
            {
              label: 'capacity',
              num: true,
              cell: (r) =>
                r.capacity_tpm === null ? 'not configured' : `${num(r.capacity_tpm)} tpm`,
            },
            {
              label: 'util mean / peak',
              num: true,
              cell: (r) =>
                r.utilization === null
                  ? '–'
                  : `${pct(r.utilization.mean)} / ${pct(r.utilization.peak)}`,
            },
            { label: 'spillover', num: true, cell: (r) => pct(r.spillover_share) },
          ],
          rows,
          (r) => r.deployment,
        ),
      ),
    };
  },
};

function budgetRow(b) {
  const used = Number(b.ceiling_usd) > 0 ? Number(b.spent_usd) / Number(b.ceiling_usd) : 0;
  const fill = el('div', { className: `fill s-${b.status}` });
  fill.style.width = `${Math.min(100, used * 100).toFixed(1)}%`;
  const marker = el('div', { className: 'elapsed', title: 'time elapsed in the period' });
  marker.style.left = `${Math.min(100, b.elapsed_fraction * 100).toFixed(1)}%`;
  const scope = Object.entries(b.scope)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return el(
    'div',
    { className: 'budget', data: { key: b.name } },
    el(
      'div',
      { className: 'budget-head' },
      el('strong', {}, b.name),
      el('span', { className: 'muted' }, ` ${scope} · per ${b.period}`),
      badge(b.status),
    ),
    el('div', { className: 'bar' }, fill, marker),
    el(
      'div',
      { className: 'muted small' },
      `${money(b.spent_usd)} of ${money(b.ceiling_usd)} (${pct(used)}) · forecast ${money(b.forecast_usd)}`,
    ),
  );
}

const budgets = {
  id: 'card-budgets',
  async load(ctx) {
    const res = await ctx.get('/v1/budgets');
    if (res.budgets.length === 0) return { empty: 'No budgets configured (finops.budgets).' };
    return { node: el('div', {}, res.budgets.map(budgetRow)) };
  },
};

const alerts = {
  id: 'card-alerts',
  async load(ctx) {
    const res = await ctx.get('/v1/alerts', { limit: '10' });
    const active = res.active ?? [];
    const history = res.history ?? [];
    if (active.length === 0 && history.length === 0) return { empty: 'No alerts have fired.' };
    const cols = (time) => [
      { label: time, cell: (a) => when(time === 'since' ? a.started_at : a.time) },
      { label: 'rule', cell: (a) => a.rule },
      { label: 'summary', cell: (a) => a.summary },
      { label: 'state', cell: (a) => badge(a.state === 'firing' ? a.severity : a.state) },
    ];
    return {
      node: el(
        'div',
        {},
        active.length > 0
          ? table(cols('since'), active, (a) => a.fingerprint)
          : el('p', { className: 'good note' }, 'No active alerts.'),
        history.length > 0
          ? el(
              'details',
              {},
              el('summary', {}, `Recent transitions (${history.length})`),
              table(cols('time'), history, (a) => a.event_id),
            )
          : null,
      ),
    };
  },
};

const routing = {
  id: 'card-routing',
  async load(ctx) {
    const feed = await ctx.get('/v1/routing/feed');
    if (feed.pools.length === 0) return { empty: 'No routing pools configured (routing.pools).' };
    const rows = feed.pools.flatMap((p) =>
      p.tiers.flatMap((t) => {
        const total = t.targets.reduce((s, x) => s + (x.state === 'active' ? x.weight : 0), 0);
        return t.targets.map((x) => ({
          pool: p.pool,
          tier: t,
          target: x,
          meta: feed.targets[x.id] ?? {},
          share: total > 0 && x.state === 'active' ? x.weight / total : 0,
        }));
      }),
    );
    const name = (r) => `${r.pool} · tier ${r.tier.tier} · ${r.target.id}`;
    const chart = barChart(
      rows.map((r) => ({ label: name(r), value: Math.round(r.share * 1000) / 10 })),
      { format: (v) => `${v}%`, color: PALETTE[4] },
    );
    return {
      node: el(
        'div',
        {},
        el(
          'p',
          { className: 'muted note' },
          `Feed ${feed.feed_id} version ${feed.version}, generated ${when(feed.generated_at)}; gateways re-poll every ${feed.ttl_s} s. Share is the weight within its tier.`,
        ),
        ctx.use(chart),
        table(
          [
            { label: 'pool · tier · target', cell: name },
            {
              label: 'model',
              cell: (r) => `${r.meta.provider ?? ''} ${r.meta.model ?? ''}`.trim() || '–',
            },
            { label: 'weight', num: true, cell: (r) => `${r.target.weight} (${pct(r.share, 0)})` },
            {
              label: 'state',
              cell: (r) =>
                badge(
                  r.meta.circuit?.state && r.meta.circuit.state !== 'closed'
                    ? r.meta.circuit.state
                    : r.target.state,
                ),
            },
          ],
          rows,
          name,
        ),
      ),
    };
  },
};

export const CARDS = [
  kpis,
  costOverTime,
  costBy('card-cost-tenant', 'tenant'),
  costBy('card-cost-route', 'route'),
  costBy('card-cost-feature', 'feature'),
  outcomes,
  drift,
  cache,
  cacheRegressions,
  capacity,
  budgets,
  alerts,
  routing,
];

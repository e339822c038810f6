// Every Grafana panel's SQL, expanded the way Grafana and the ClickHouse plugin expand it
// (test/helpers/grafana-macros.ts), timed on the benchmark data, and the same panel answered from
// llm_calls: each rollup a panel reads is replaced by a plain view running that rollup's own
// materialized-view SELECT over llm_calls (cascades over the raw views of their sources), so the
// raw column is the same SQL computing the same numbers with no rollup.
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { NOW, rollupTable, rollupTables } from '../../src/storage/catalog/catalog.js';
import { viewSelect } from '../../src/storage/sqlgen/render.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import {
  expandGrafanaSql,
  panelIntervalMs,
  type VariableState,
} from '../helpers/grafana-macros.js';

const DIR = new URL('../../dashboards/', import.meta.url);

interface Panel {
  type: string;
  title: string;
  interval?: string;
  targets?: { rawSql: string }[];
}
export interface Variable {
  type: string;
  name: string;
  query: string;
  current: { value: string | string[] };
}
interface Dashboard {
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

export interface PanelTiming {
  dashboard: string;
  panel: string;
  ms: number;
  rawMs: number;
}

const RAW_PREFIX = 'raw_';

/** Plain views raw_<rollup> computing each rollup from llm_calls on the fly (idempotent). */
export async function createRawViews(storage: QueryRunner): Promise<void> {
  for (const { family, table } of sourcesFirst()) {
    const source = rollupTable(table.from);
    // Over all of llm_calls at once: the table-wide states (sumMap), not the per-block ones.
    const select = viewSelect(
      { family, table, version: NOW, sourceGrain: source?.table.grain },
      'single',
      undefined,
      false,
    ).replace(
      `FROM ${table.from}`,
      `FROM ${source !== undefined ? RAW_PREFIX + table.from : table.from}`,
    );
    await storage.command(`CREATE VIEW IF NOT EXISTS ${RAW_PREFIX}${table.name} AS ${select}`);
  }
}

/** Rollups ordered so a cascade's source comes before it (its raw view reads the source's). */
function sourcesFirst(): ReturnType<typeof rollupTables> {
  const pending = [...rollupTables()];
  const done = new Set<string>();
  const out: ReturnType<typeof rollupTables> = [];
  while (pending.length > 0) {
    const i = pending.findIndex(
      (t) => rollupTable(t.table.from) === undefined || done.has(t.table.from),
    );
    if (i < 0)
      throw new Error(`rollup cascade cycle: ${pending.map((t) => t.table.name).join(', ')}`);
    const [next] = pending.splice(i, 1);
    done.add(next!.table.name);
    out.push(next!);
  }
  return out;
}

/** The panel's SQL with every rollup it reads replaced by its raw view. */
export function rawVariant(sql: string): string {
  const names = rollupTables()
    .map((t) => t.table.name)
    .sort((a, b) => b.length - a.length);
  return sql.replace(new RegExp(`\\b(${names.join('|')})\\b`, 'g'), `${RAW_PREFIX}$1`);
}

function dashboards(): { file: string; dash: Dashboard }[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      dash: JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as Dashboard,
    }));
}

/** Variables as Grafana resolves them on load, "All" selected (each dashboard's default). */
export async function resolveVariables(
  storage: QueryRunner,
  dash: { templating: { list: Variable[] } },
  from: Date,
  to: Date,
): Promise<Record<string, VariableState>> {
  const vars: Record<string, VariableState> = {};
  for (const v of dash.templating.list) {
    if (v.type === 'datasource') continue;
    if (v.type === 'query') {
      const sql = expandGrafanaSql(v.query, { from, to, intervalMs: 60_000, variables: vars });
      const rows = await storage.query(sql);
      vars[v.name] = { current: ['$__all'], options: rows.map((r) => String(Object.values(r)[0])) };
    } else {
      const value = Array.isArray(v.current.value) ? v.current.value : [v.current.value];
      vars[v.name] = { current: value, options: value };
    }
  }
  return vars;
}

async function once(run: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await run();
  return performance.now() - t0;
}

async function timed(run: () => Promise<unknown>, repeat: number): Promise<number> {
  await run();
  const runs: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    await run();
    runs.push(performance.now() - t0);
  }
  runs.sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)] ?? NaN;
}

/**
 * Every panel target of every dashboard over [from, to] with variables at their defaults: median
 * of `repeat` runs after a warm-up; the raw variant runs once (it can take seconds at 100M rows).
 */
export async function timePanels(
  storage: QueryRunner,
  from: Date,
  to: Date,
  repeat: number,
): Promise<PanelTiming[]> {
  await createRawViews(storage);
  const out: PanelTiming[] = [];
  for (const { file, dash } of dashboards()) {
    const variables = await resolveVariables(storage, dash, from, to);
    for (const p of dash.panels) {
      for (const [i, t] of (p.targets ?? []).entries()) {
        const sql = expandGrafanaSql(t.rawSql, {
          from,
          to,
          intervalMs: panelIntervalMs(from, to, p.interval),
          variables,
        });
        const ms = await timed(() => storage.query(sql), repeat);
        const raw = rawVariant(sql);
        // Panels reading only base tables (outcomes, alert events, llm_calls) have no raw variant.
        const rawMs = raw === sql ? NaN : await once(() => storage.query(raw));
        const name = (p.targets?.length ?? 0) > 1 ? `${p.title} [${i}]` : p.title;
        out.push({ dashboard: file.replace(/\.json$/, ''), panel: name, ms, rawMs });
      }
    }
  }
  return out;
}

// npm run dashboards:costs — writes the SQL of the cost, cache, alert and budget panels that read
// llm_calls_1m until migration 0041 dropped it. Like the API's read planner they read whole days
// from llm_costs_tenant_1d, whole hours from llm_costs_tenant_1h and the partial hours at either end
// of the range from llm_calls (through its time-ordered projection calls_by_time), a row per call
// there with each measure of that call alone, so every panel answers what it did
// from llm_calls_1m (test/integration/grafana-cost-panels.test.ts runs both forms). At 100M calls
// llm_calls_1m held about a row per call; the day and hour tables hold a few times fewer.
import { readFileSync, writeFileSync } from 'node:fs';
import { costPanelSql } from './cost-panels.js';
import { budgetSql, costVariableSql, filtersOf } from './cost-source.js';

const DIR = new URL('../dashboards/', import.meta.url);

interface Dashboard {
  panels: { id: number; targets?: { rawSql: string }[] }[];
  templating: { list: { name: string; query: string }[] };
}

const FILES: Record<string, readonly string[]> = {
  'cost-attribution.json': ['tenant', 'route', 'feature', 'model', 'environment'],
  'cache.json': ['tenant', 'route', 'model'],
  'alerts.json': ['tenant'],
  'budgets.json': ['tenant', 'feature', 'environment'],
};

/** The dashboard with its moved panels and variables rewritten; throws if llm_calls_1m is left. */
export function movedDashboard(file: string, text: string): string {
  const dash = JSON.parse(text) as Dashboard;
  const vars = FILES[file];
  if (vars === undefined) throw new Error(`${file} has no cost panels`);
  const panels = costPanelSql(file, filtersOf(vars));
  for (const p of dash.panels)
    for (const t of p.targets ?? []) {
      const sql = panels[p.id];
      if (sql !== undefined) t.rawSql = sql;
      else if (file === 'budgets.json') t.rawSql = budgetSql(t.rawSql);
    }
  for (const v of dash.templating.list)
    if (vars.includes(v.name) && typeof v.query === 'string' && v.query.includes('SELECT'))
      v.query = costVariableSql(v.name);
  const out = `${JSON.stringify(dash, null, 2)}\n`;
  if (out.includes('llm_calls_1m')) throw new Error(`${file} still reads llm_calls_1m`);
  return out;
}

function main(): void {
  for (const file of Object.keys(FILES)) {
    const url = new URL(file, DIR);
    writeFileSync(url, movedDashboard(file, readFileSync(url, 'utf8')));
    console.log(`dashboards/${file} written`);
  }
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop()!))
  main();

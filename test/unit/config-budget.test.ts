// The one budget model in config: finops budgets, budget alert rules and routing budgets share
// money (decimal text), periods, scope and thresholds; renamed keys still load, with a warning.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { feedBudget } from '../../src/analytics/routing/budgets.js';
import { evaluateBudget, periodBounds, reachedShare } from '../../src/shared/budget.js';
import { parseConfig } from '../../src/shared/config.js';

let warnings: string[] = [];
beforeEach(() => {
  warnings = [];
  vi.spyOn(process, 'emitWarning').mockImplementation((w: string | Error) => {
    warnings.push(String(w));
  });
});
afterEach(() => vi.restoreAllMocks());

const budgetRule = (extra: Record<string, unknown>) =>
  parseConfig({ alerts: { rules: [{ name: 'spend', kind: 'budget', ...extra }] } }).alerts
    .rules[0] as Extract<
    ReturnType<typeof parseConfig>['alerts']['rules'][number],
    { kind: 'budget' }
  >;

describe('budget alert rules', () => {
  it('reads ceiling_usd as exact decimal text, a number as the decimal it prints as', () => {
    expect(budgetRule({ ceiling_usd: '1000.10' })).toMatchObject({
      ceiling_usd: '1000.1',
      period: 'month',
      soft_pct: 80,
      hard_pct: 100,
    });
    expect(budgetRule({ ceiling_usd: 0.1 }).ceiling_usd).toBe('0.1');
    expect(warnings).toEqual([]);
  });

  it('still loads the old limit_usd and soft_ratio, converted, with a deprecation warning', () => {
    const r = budgetRule({ limit_usd: 2.5, soft_ratio: 0.07, period: 'day', mode: 'soft' });
    expect(r).toMatchObject({ ceiling_usd: '2.5', soft_pct: 7, period: 'day', mode: 'soft' });
    expect(r).not.toHaveProperty('limit_usd');
    expect(r).not.toHaveProperty('soft_ratio');
    expect(warnings.join('\n')).toMatch(
      /alerts\.rules spend: `limit_usd` is deprecated; write `ceiling_usd`/,
    );
    expect(warnings.join('\n')).toMatch(/`soft_ratio` is deprecated; write `soft_pct/);
  });

  it('re-parsing its own output (the CLI merges flags and parses again) changes nothing', () => {
    const once = parseConfig({
      alerts: { rules: [{ name: 'x', kind: 'budget', limit_usd: 3, soft_ratio: 0.5 }] },
      routing: { budgets: [{ scope: 'tenant', key: 'z', period: '1d', limit_usd: 1 }] },
    });
    expect(parseConfig(structuredClone(once))).toEqual(once);
  });

  it('without a ceiling watches finops budgets: no default period, names must exist', () => {
    expect(budgetRule({}).period).toBeUndefined();
    expect(budgetRule({}).ceiling_usd).toBeUndefined();
    expect(() =>
      parseConfig({ alerts: { rules: [{ name: 'b', kind: 'budget', budgets: ['nope'] }] } }),
    ).toThrow(/alerts\.rules\.0\.budgets\.0: unknown budget nope/);
  });

  it('refuses bad money and conflicting old and new keys, naming the key', () => {
    expect(() => budgetRule({ ceiling_usd: '-1' })).toThrow(/rules\.0\.ceiling_usd/);
    expect(() => budgetRule({ ceiling_usd: '0' })).toThrow(/ceiling_usd: must be above 0/);
    expect(() => budgetRule({ ceiling_usd: '1', limit_usd: 1 })).toThrow(
      /limit_usd: give ceiling_usd only/,
    );
    expect(() => budgetRule({ ceiling_usd: '1', soft_pct: 120 })).toThrow(
      /soft_pct must not exceed/,
    );
  });
});

describe('finops budgets', () => {
  it('accept any call dimension as scope, and none for a global budget', () => {
    const { budgets } = parseConfig({
      finops: {
        budgets: [
          { name: 'all', period: 'month', ceiling_usd: '10000' },
          {
            name: 'r',
            scope: { route: '/chat', provider: 'openai' },
            period: 'week',
            ceiling_usd: 5,
          },
        ],
      },
    }).finops;
    expect(budgets.map((b) => [b.scope, b.ceiling_usd])).toEqual([
      [{}, '10000'],
      [{ route: '/chat', provider: 'openai' }, '5'],
    ]);
    expect(() =>
      parseConfig({
        finops: { budgets: [{ name: 'b', scope: { team: 'x' }, period: 'day', ceiling_usd: '1' }] },
      }),
    ).toThrow(/finops\.budgets\.0\.scope.*team/);
  });
});

describe('routing budgets', () => {
  it('still load the old shape (limit_usd, period 1d / 1mo) with warnings, and the new one', () => {
    const { budgets } = parseConfig({
      routing: {
        budgets: [
          { scope: 'tenant', key: 'a', period: '1d', limit_usd: 500 },
          {
            scope: 'target',
            key: 't',
            period: '1mo',
            limit_usd: 20_000,
            on_exhaust: 'skip_target',
          },
          { scope: 'tenant', key: 'b', period: 'week', ceiling_usd: '12.5', soft_pct: 50 },
        ],
      },
    }).routing;
    expect(budgets.map((b) => [b.period, b.ceiling_usd, b.soft_pct])).toEqual([
      ['day', '500', 80],
      ['month', '20000', 80],
      ['week', '12.5', 50],
    ]);
    expect(warnings.join('\n')).toMatch(
      /routing\.budgets tenant a: `period: 1d` is deprecated; write `period: day`/,
    );
    expect(warnings.join('\n')).toMatch(/routing\.budgets target t: `limit_usd` is deprecated/);
    expect(() => parseConfig({ routing: { budgets: [{ scope: 'tenant', key: 'a' }] } })).toThrow(
      /routing\.budgets\.0\.ceiling_usd/,
    );
  });

  it('publish the feed shape, judged exactly at the thresholds', () => {
    const [b] = parseConfig({
      routing: { budgets: [{ scope: 'tenant', key: 'a', period: 'day', ceiling_usd: '1' }] },
    }).routing.budgets;
    const at = Date.parse('2026-03-04T12:00:00Z');
    // Ten 0.1 spends sum to 0.9999999999999999 as doubles; as decimals they reach the ceiling.
    expect(feedBudget(b!, '1.0', at)).toMatchObject({
      period: '1d',
      limit_usd: 1,
      spent_usd: 1,
      state: 'exhausted',
    });
    expect(feedBudget(b!, '0.999999999999999999', at).state).toBe('warning');
    expect(feedBudget(b!, '0.799999999999999999', at).state).toBe('ok');
    expect(feedBudget(b!, '0.8', at).state).toBe('warning');
  });
});

describe('the model', () => {
  it('one period function: UTC day, ISO week from Monday, calendar month', () => {
    const sunday = new Date('2026-03-08T23:59:59.999Z');
    expect(periodBounds('week', sunday).start.toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(periodBounds('month', new Date('2026-12-31T23:00:00Z')).end.toISOString()).toBe(
      '2027-01-01T00:00:00.000Z',
    );
  });

  it('compares shares exactly where doubles do not', () => {
    // 0.9 / 1 >= 0.9 holds; 0.3 / 0.1 as doubles is 2.9999999999999996, below 3.
    expect(0.3 / 0.1 >= 3).toBe(false);
    expect(reachedShare(0.3, 0.1, 3)).toBe(true);
    expect(reachedShare('0.89', '1', 0.9)).toBe(false);
  });

  it('hard beats soft beats forecast', () => {
    const b = {
      name: 'b',
      scope: {},
      period: 'day' as const,
      ceiling_usd: '10',
      soft_pct: 50,
      hard_pct: 90,
    };
    const noon = new Date('2026-03-04T12:00:00Z');
    expect(evaluateBudget(b, '9', noon).status).toBe('hard');
    expect(evaluateBudget(b, '5', noon).status).toBe('soft');
    expect(evaluateBudget(b, '4.99', noon)).toMatchObject({
      status: 'ok',
      forecast_usd: '9.98',
    });
  });
});

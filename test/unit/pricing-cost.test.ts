// Cost math: every expected amount is computed independently (BigInt attodollars in
// test/fixtures/pricing/exact.ts) from prices written out literally here, never from src/pricing.
import { describe, expect, it } from 'vitest';
import {
  createCatalog,
  createPricingProcessor,
  loadCatalog,
  parseOverrides,
  priceCall,
} from '../../src/pricing/index.js';
import { Money } from '../../src/shared/money.js';
import { atto, call, times, usd } from '../fixtures/pricing/exact.js';

// A fixed price list (LiteLLM's own entries, test/fixtures/pricing), so the arithmetic checked
// here does not move when the shipped price database is updated.
const LITELLM = new URL('../fixtures/pricing/litellm-sample.json', import.meta.url).pathname;
const catalog = loadCatalog({ pricesFile: LITELLM, useDatabase: false });

describe('priceCall: worked examples', () => {
  it('OpenAI gpt-4o, cache-inclusive input: 1200 input incl. 1024 cached, 85 output', () => {
    const priced = priceCall(
      catalog,
      call({
        provider: 'openai',
        request_model: 'gpt-4o',
        input_tokens: 1200,
        cache_read_tokens: 1024,
        output_tokens: 85,
      }),
    );
    // 176 * 0.0000025 = 0.00044; 1024 * 0.00000125 = 0.00128; 85 * 0.00001 = 0.00085
    expect(priced).toMatchObject({
      cost_input: '0.00044',
      cost_cache_read: '0.00128',
      cost_cache_creation: '0',
      cost_output: '0.00085',
      cost_total: '0.00257',
      list_cost: '0.00257',
      priced: true,
      price_entry: 'gpt-4o',
      model: 'gpt-4o',
    });
    expect(priced.price_version).toBe(catalog.version);
    expect(priced.price_version).toMatch(/^none@-\+[0-9a-f]{12}$/);
  });

  it('Anthropic, reported cache-exclusive (50 + 10000 read + 2000 write) and normalized to inclusive', () => {
    // Anthropic usage: input_tokens 50, cache_read_input_tokens 10000, cache_creation 2000;
    // the normalizer stores input_tokens = 50 + 10000 + 2000 = 12050.
    const priced = priceCall(
      catalog,
      call({
        provider: 'anthropic',
        response_model: 'claude-sonnet-4-5-20250929',
        input_tokens: 12050,
        cache_read_tokens: 10000,
        cache_creation_tokens: 2000,
        output_tokens: 400,
      }),
    );
    // 50 * 0.000003 = 0.00015; read 0.1x: 10000 * 0.0000003 = 0.003;
    // write 1.25x: 2000 * 0.00000375 = 0.0075; 400 * 0.000015 = 0.006; total 0.01665
    expect(priced).toMatchObject({
      cost_input: '0.00015',
      cost_cache_read: '0.003',
      cost_cache_creation: '0.0075',
      cost_output: '0.006',
      cost_total: '0.01665',
      price_entry: 'claude-sonnet-4-5-20250929',
      priced: true,
    });
  });

  it('Gemini 2.5 Pro above 200k: tier prices apply to the whole call', () => {
    const base = {
      provider: 'gcp.gemini',
      request_model: 'gemini-2.5-pro',
      cache_read_tokens: 100_000,
      output_tokens: 2000,
    };
    const at = priceCall(catalog, call({ ...base, input_tokens: 200_000 }));
    // at the threshold (not above): 100000*0.00000125 + 100000*0.000000125 + 2000*0.00001
    expect(at.cost_total).toBe(
      usd(times(100_000, '1.25e-6') + times(100_000, '1.25e-7') + times(2000, '1e-5')),
    );
    const above = priceCall(catalog, call({ ...base, input_tokens: 200_001 }));
    // above: 100001*0.0000025 + 100000*0.00000025 + 2000*0.000015
    expect(above).toMatchObject({
      cost_input: '0.2500025',
      cost_cache_read: '0.025',
      cost_output: '0.03',
      cost_total: '0.3050025',
    });
  });

  it('Claude Sonnet 4 above 200k on Bedrock uses every *_above_200k_tokens price', () => {
    const priced = priceCall(
      catalog,
      call({
        provider: 'aws.bedrock',
        request_model: 'us.anthropic.claude-sonnet-4-20250514-v1:0',
        input_tokens: 250_000,
        cache_read_tokens: 150_000,
        cache_creation_tokens: 50_000,
        output_tokens: 1000,
      }),
    );
    const expected =
      times(50_000, '6e-6') +
      times(150_000, '6e-7') +
      times(50_000, '7.5e-6') +
      times(1000, '2.25e-5');
    expect(priced.cost_total).toBe(usd(expected));
    // 50000*0.000006 + 150000*0.0000006 + 50000*0.0000075 + 1000*0.0000225 = 0.3 + 0.09 + 0.375 + 0.0225
    expect(priced.cost_total).toBe('0.7875');
    expect(priced.model).toBe('claude-sonnet-4-20250514');
  });
});

const overridden = createCatalog({
  prices: {
    'cheap-1': {
      litellm_provider: 'openai',
      input_cost_per_token: 1e-7,
      output_cost_per_token: 2e-7,
    },
  },
  label: 'test',
  overrides: parseOverrides({
    models: {
      'thinker-1': {
        input_cost_per_token: '0.000001',
        output_cost_per_token: '0.000002',
        output_cost_per_reasoning_token: '0.000004',
      },
    },
  }),
});

// Table: [name, catalog, call fields, expected total as an independent BigInt sum]
const TABLE: Array<[string, typeof catalog, Parameters<typeof call>[0], bigint]> = [
  [
    'embedding, output price 0',
    catalog,
    {
      provider: 'openai',
      kind: 'embeddings',
      request_model: 'text-embedding-3-small',
      input_tokens: 8000,
    },
    times(8000, '2e-8'),
  ],
  [
    'no cache price: cache read billed at input price',
    overridden,
    { request_model: 'cheap-1', input_tokens: 100, cache_read_tokens: 60, output_tokens: 1 },
    times(40, '1e-7') + times(60, '1e-7') + times(1, '2e-7'),
  ],
  [
    'reasoning priced separately when the entry says so',
    overridden,
    { request_model: 'thinker-1', input_tokens: 10, output_tokens: 100, reasoning_tokens: 70 },
    times(10, '1e-6') + times(30, '2e-6') + times(70, '4e-6'),
  ],
  [
    'reasoning inside output otherwise (o3)',
    catalog,
    {
      provider: 'openai',
      request_model: 'o3',
      input_tokens: 1000,
      output_tokens: 5000,
      reasoning_tokens: 4000,
    },
    times(1000, '2e-6') + times(5000, '8e-6'),
  ],
  [
    'DeepSeek cache hit',
    catalog,
    {
      provider: 'deepseek',
      request_model: 'deepseek-chat',
      input_tokens: 3000,
      cache_read_tokens: 2048,
      output_tokens: 300,
    },
    times(952, '2.7e-7') + times(2048, '7e-8') + times(300, '1.1e-6'),
  ],
  [
    'gpt-5-mini tiny prices',
    catalog,
    {
      provider: 'openai',
      request_model: 'gpt-5-mini-2025-08-07',
      input_tokens: 123_457,
      cache_read_tokens: 100_000,
      output_tokens: 9,
    },
    times(23_457, '2.5e-7') + times(100_000, '2.5e-8') + times(9, '2e-6'),
  ],
  [
    'failed attempt with no tokens: 0, priced',
    catalog,
    { provider: 'openai', request_model: 'gpt-4o', status: 'error', http_status: 429 },
    0n,
  ],
];

describe('priceCall: table', () => {
  it.each(TABLE)('%s', (_name, cat, fields, expected) => {
    const priced = priceCall(cat, call(fields));
    expect(priced.priced).toBe(true);
    expect(priced.cost_total).toBe(usd(expected));
    const parts = [
      priced.cost_input,
      priced.cost_cache_read,
      priced.cost_cache_creation,
      priced.cost_cache_creation_1h,
      priced.cost_output,
      priced.cost_audio,
      priced.cost_image,
      priced.cost_request,
    ];
    expect(usd(parts.reduce((s, p) => s + atto(p), 0n))).toBe(priced.cost_total);
  });
});

describe('priceCall: unpriced and zero-cost calls', () => {
  it('unknown model: priced=false, every cost 0, no entry, warned', () => {
    const priced = priceCall(
      catalog,
      call({
        provider: 'openai',
        request_model: 'gpt-99-ultra',
        input_tokens: 1000,
        output_tokens: 10,
      }),
    );
    expect(priced).toMatchObject({
      priced: false,
      price_entry: '',
      cost_total: '0',
      list_cost: '0',
      cost_input: '0',
      model: 'gpt-99-ultra',
    });
    expect(priced.warnings).toContain('unpriced_model');
  });

  it('app-cache hit spends no tokens: cost 0 and priced, even for an unknown model', () => {
    for (const model of ['gpt-4o', 'made-up-model']) {
      const priced = priceCall(
        catalog,
        call({
          provider: 'openai',
          request_model: model,
          cache_hit: true,
          cache_layer: 'semantic',
        }),
      );
      expect(priced).toMatchObject({ priced: true, cost_total: '0' });
    }
  });

  it.each(['tool', 'agent', 'wrapper'] as const)(
    '%s span: cost 0, priced, children carry the cost',
    (kind) => {
      const priced = priceCall(
        catalog,
        call({ kind, request_model: 'gpt-4o', input_tokens: 5000, output_tokens: 500 }),
      );
      expect(priced).toMatchObject({
        priced: true,
        cost_total: '0',
        price_entry: '',
        model: 'gpt-4o',
      });
    },
  );

  it('failed attempt with no tokens on an unknown model stays unpriced', () => {
    const priced = priceCall(
      catalog,
      call({ request_model: 'mystery', status: 'error', http_status: 503 }),
    );
    expect(priced.priced).toBe(false);
  });

  it('successful call without usage is flagged, not silently free', () => {
    const priced = priceCall(catalog, call({ provider: 'openai', request_model: 'gpt-4o' }));
    expect(priced).toMatchObject({ priced: true, cost_total: '0' });
    expect(priced.warnings).toContain('no_token_usage');
  });

  it('cache counts above input are clamped and flagged', () => {
    const priced = priceCall(
      catalog,
      call({
        provider: 'openai',
        request_model: 'gpt-4o',
        input_tokens: 10,
        cache_read_tokens: 20,
      }),
    );
    expect(priced.cost_input).toBe('0');
    expect(priced.cost_cache_read).toBe(usd(times(20, '1.25e-6')));
    expect(priced.warnings).toContain('cache_tokens_exceed_input');
  });
});

describe('sums are exact', () => {
  it('10,000 calls at 0.1/0.2-style prices sum to the exact decimal', () => {
    const cat = createCatalog({
      prices: { p: { input_cost_per_token: 0.1, output_cost_per_token: 0.2 } },
      label: 't',
    });
    const process = createPricingProcessor(cat);
    const calls = process(
      Array.from({ length: 10_000 }, () =>
        call({ request_model: 'p', input_tokens: 1, output_tokens: 1 }),
      ),
    );
    const total = calls.reduce((s, c) => s.add(c.cost_total), new Money(0));
    expect(total.toFixed()).toBe('3000');
    // The float way drifts: that is the bug this guards against.
    expect(calls.reduce((s) => s + 0.1 + 0.2, 0)).not.toBe(3000);
  });

  it('group sums equal the grand total for a mixed workload', () => {
    const models = ['gpt-4o', 'gpt-4o-mini', 'claude-haiku-4-5', 'gemini-2.5-flash', 'o4-mini'];
    const tenants = ['a', 'b', 'c'];
    const raw = Array.from({ length: 3000 }, (_, i) =>
      call({
        provider: '',
        request_model: models[i % models.length],
        tenant: tenants[i % tenants.length],
        input_tokens: 1000 + (i % 977),
        cache_read_tokens: (i % 3) * 128,
        output_tokens: 17 + (i % 131),
      }),
    );
    const priced = createPricingProcessor(catalog)(raw);
    const total = priced.reduce((s, c) => s + atto(c.cost_total), 0n);
    const byTenant = tenants.map((t) =>
      priced.filter((c) => c.tenant === t).reduce((s, c) => s + atto(c.cost_total), 0n),
    );
    expect(byTenant.reduce((a, b) => a + b, 0n)).toBe(total);
    const viaDecimal = priced.reduce((s, c) => s.add(c.cost_total), new Money(0));
    expect(viaDecimal.toFixed()).toBe(usd(total));
  });
});

describe('createPricingProcessor', () => {
  it('returns new objects, sets model, leaves input untouched', () => {
    const input = [
      call({
        provider: 'openai',
        response_model: 'gpt-4o-2024-08-06',
        input_tokens: 10,
        output_tokens: 1,
      }),
    ];
    const snapshot = structuredClone(input);
    const out = createPricingProcessor(catalog)(input);
    expect(input).toEqual(snapshot);
    expect(out[0]).not.toBe(input[0]);
    // The file has the dated snapshot itself: it is priced (and grouped) by that exact key.
    expect(out[0]).toMatchObject({
      model: 'gpt-4o-2024-08-06',
      price_entry: 'gpt-4o-2024-08-06',
      priced: true,
    });
  });

  it('falls back to the request model when the response model is unknown', () => {
    const [out] = createPricingProcessor(catalog)([
      call({
        provider: 'openai',
        request_model: 'gpt-4.1-mini',
        response_model: 'gpt-4.1-mini-2099-01-01-experimental',
        input_tokens: 1,
      }),
    ]);
    expect(out).toMatchObject({ price_entry: 'gpt-4.1-mini', priced: true });
  });
});

describe('createPricingProcessor memo', () => {
  // Same response model, differing only in provider, deployment or request model: each must get
  // its own match (priceCall, unmemoized, is the reference), with a roomy and a tiny memo.
  const variants = [
    call({ provider: 'openai', response_model: 'gpt-4o', input_tokens: 1000, output_tokens: 10 }),
    call({ provider: 'anthropic', response_model: 'gpt-4o', input_tokens: 1000 }),
    call({ provider: 'openai', response_model: '', request_model: 'gpt-4o-mini', input_tokens: 9 }),
    call({ provider: 'openai', response_model: '', request_model: 'gpt-4o', input_tokens: 9 }),
    call({
      provider: 'azure',
      deployment: 'prod-chat-eastus',
      request_model: 'x',
      input_tokens: 5,
    }),
    call({ provider: 'azure', deployment: 'other', request_model: 'x', input_tokens: 5 }),
    call({ provider: 'openai', response_model: 'no-such-model', request_model: 'gpt-4o' }),
    call({ provider: 'openai', response_model: 'no-such-model', request_model: 'gpt-4o-mini' }),
  ];
  const withOverrides = loadCatalog({
    pricesFile: LITELLM,
    overridesFile: new URL('../fixtures/pricing/overrides.yaml', import.meta.url).pathname,
    useDatabase: false,
  });

  it.each([10_000, 1])('memo limit %i: each call priced as priceCall prices it', (memoLimit) => {
    const expected = variants.map((c) => priceCall(withOverrides, c));
    const process = createPricingProcessor(withOverrides, { memoLimit });
    // Twice over, in both orders: the second pass reads the memo.
    const out = [...process(variants), ...process([...variants].reverse()).reverse()];
    expect(out).toEqual([...expected, ...expected]);
    expect(new Set(expected.map((c) => `${c.price_entry}|${c.cost_total}`)).size).toBeGreaterThan(
      4,
    );
  });
});

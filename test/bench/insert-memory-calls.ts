// Calls shaped like test/bench/spans.ts's (tenants, routes, features, deployments, models spread
// so nearly every row is its own group in the per-minute views): the worst case for the memory
// an insert takes through the materialized views.
import { emptyCall, type LlmCall } from '../../src/collector/call.js';

const MODELS = [
  ['openai', 'gpt-4o'],
  ['openai', 'gpt-4o-mini'],
  ['anthropic', 'claude-sonnet-4-5'],
  ['openai', 'gpt-4.1'],
] as const;

export function spreadCalls(prefix: string, n: number, nowMs = Date.now()): LlmCall[] {
  return Array.from({ length: n }, (_, i) => {
    const [provider, model] = MODELS[i % MODELS.length] ?? MODELS[0];
    const start = BigInt(nowMs - (i % 1000)) * 1_000_000n;
    const input = 500 + (i % 3000);
    return {
      ...emptyCall(),
      call_id: `${prefix}-${i}`,
      trace_id: `${prefix}-t${i}`,
      span_id: String(i),
      start_time_ns: start,
      end_time_ns: start + 1_200_000_000n,
      duration_ms: 1200,
      service: 'bench-svc',
      environment: 'production',
      provider,
      operation: 'chat',
      request_model: model,
      response_model: model,
      model,
      tenant: `tenant-${i % 500}`,
      route: `/api/route-${i % 40}`,
      feature: `feature-${i % 15}`,
      deployment: `deploy-${i % 8}`,
      capacity_tier: i % 3 === 0 ? 'provisioned' : 'on_demand',
      region: i % 2 === 0 ? 'eastus' : 'westeurope',
      streaming: true,
      input_tokens: input,
      cache_read_tokens: Math.floor(input / 2),
      output_tokens: 50 + (i % 400),
      ttft_ms: 300 + (i % 50) * 10,
      itl_ms: 22.5,
      attempt: 1,
      priced: true,
      cost_input: '0.00125',
      cost_output: '0.0005',
      cost_total: '0.00175',
      list_cost: '0.00175',
    };
  });
}

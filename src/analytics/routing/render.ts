// Renderings of a feed version for gateways that cannot read llm-routing-feed/v1 natively:
// LiteLLM's model_list / router_settings and a Portkey config (README "Routing-weights feed").
// They carry the feed version so adapters can echo it; they are derived from the signed
// document (verify that one).
import type { FeedDocument, FeedPool, FeedTarget, TierTarget } from '../../routing-client/types.js';
import { canonicalProvider, providerIdentity } from '../../shared/provider-identity.js';

function litellmModel(t: FeedTarget): string {
  const prefix = providerIdentity(canonicalProvider(t.provider))?.litellmRoute ?? t.provider;
  // Azure addresses a deployment, not a model name.
  return `${prefix}/${prefix === 'azure' && t.deployment !== undefined ? t.deployment : t.model}`;
}

export function renderLitellm(doc: FeedDocument, poolName?: string): Record<string, unknown> {
  const pools = doc.pools.filter((p) => poolName === undefined || p.pool === poolName);
  const modelList: Record<string, unknown>[] = [];
  const disabled: string[] = [];
  for (const pool of pools) {
    for (const tier of pool.tiers) {
      for (const tt of tier.targets) {
        const t = doc.targets[tt.id];
        if (t === undefined) continue;
        const id = t.bind?.litellm_model_id ?? tt.id;
        if (tt.state === 'disabled') {
          disabled.push(id);
          continue;
        }
        modelList.push({
          model_name: pool.pool,
          litellm_params: {
            model: litellmModel(t),
            order: tier.tier + 1,
            // Weight on every deployment (LiteLLM #33329); drain maps to 0.
            weight: tt.state === 'drain' ? 0 : tt.weight,
            ...(t.capacity?.tpm !== undefined ? { tpm: t.capacity.tpm } : {}),
            ...(t.capacity?.rpm !== undefined ? { rpm: t.capacity.rpm } : {}),
            ...(t.capacity?.max_inflight !== undefined
              ? { max_parallel_requests: t.capacity.max_inflight }
              : {}),
            ...(t.pricing ?? {}),
            ...(pool.timeouts !== undefined
              ? {
                  timeout: pool.timeouts.total_ms / 1000,
                  stream_timeout: pool.timeouts.ttft_ms / 1000,
                }
              : {}),
          },
          model_info: { id },
        });
      }
    }
  }
  const first = pools[0];
  return {
    feed_id: doc.feed_id,
    feed_version: doc.version,
    generated_at: doc.generated_at,
    model_list: modelList,
    router_settings: {
      enable_pre_call_checks: true,
      ...(first?.retry !== undefined ? { num_retries: first.retry.attempts } : {}),
      ...(first?.circuit !== undefined ? { cooldown_time: first.circuit.open_s } : {}),
    },
    disabled_model_ids: disabled,
    // LiteLLM has no native degraded tier: adapters read this extension.
    x_llm_finops: {
      degraded: Object.fromEntries(
        pools.filter((p) => p.degraded !== undefined).map((p) => [p.pool, p.degraded]),
      ),
    },
  };
}

function portkeyTarget(doc: FeedDocument, tt: TierTarget): Record<string, unknown> | undefined {
  const t = doc.targets[tt.id];
  if (t === undefined || tt.state === 'disabled') return undefined;
  return {
    provider: t.bind?.portkey_provider ?? `@${tt.id}`,
    weight: tt.state === 'drain' ? 0 : tt.weight,
    override_params: { model: t.model },
  };
}

/** One Portkey config: fallback across tiers, loadbalance within a tier. */
export function renderPortkeyPool(doc: FeedDocument, pool: FeedPool): Record<string, unknown> {
  const tierNodes = pool.tiers
    .map((tier) => tier.targets.map((tt) => portkeyTarget(doc, tt)).filter((x) => x !== undefined))
    .filter((targets) => targets.length > 0)
    .map(
      (targets) =>
        (targets.length === 1
          ? targets[0]
          : { strategy: { mode: 'loadbalance' }, targets }) as Record<string, unknown>,
    );
  const overflow = pool.tiers[0]?.overflow_on ?? [];
  const codes = [...new Set(overflow.map((c) => (c === 'timeout' ? 408 : c)))];
  const cb =
    pool.circuit !== undefined
      ? {
          cb_config: {
            failure_threshold_percentage: Math.round(pool.circuit.failure_rate * 100),
            minimum_requests: pool.circuit.min_requests,
            cooldown_interval: Math.max(30_000, pool.circuit.open_s * 1000),
            failure_status_codes: pool.circuit.on_status,
          },
        }
      : {};
  const common = {
    ...(pool.retry !== undefined
      ? {
          retry: {
            attempts: pool.retry.attempts,
            on_status_codes: pool.retry.on_status,
            use_retry_after_header: pool.retry.honor_retry_after,
          },
        }
      : {}),
    ...(pool.timeouts !== undefined ? { request_timeout: pool.timeouts.total_ms } : {}),
  };
  if (tierNodes.length === 1) return { ...(tierNodes[0] as Record<string, unknown>), ...common };
  return {
    strategy: { mode: 'fallback', on_status_codes: codes, ...cb },
    targets: tierNodes,
    ...common,
  };
}

export function renderPortkey(doc: FeedDocument, poolName?: string): Record<string, unknown> {
  const pools = doc.pools.filter((p) => poolName === undefined || p.pool === poolName);
  if (poolName !== undefined && pools[0] !== undefined) return renderPortkeyPool(doc, pools[0]);
  return {
    feed_id: doc.feed_id,
    feed_version: doc.version,
    generated_at: doc.generated_at,
    configs: Object.fromEntries(pools.map((p) => [`rf-${p.pool}`, renderPortkeyPool(doc, p)])),
  };
}

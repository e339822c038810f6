// Which capacity served a call, as the provider reports it, mapped to `finops.capacity_tier`.
// Written from the response, so it wins over a gateway's guess at span start: a Vertex
// Provisioned Throughput call that spilled over to pay-as-you-go says ON_DEMAND here.
import type { CapacityTier } from '../shared/semconv.js';

const VERTEX_TRAFFIC: Record<string, CapacityTier> = {
  PROVISIONED_THROUGHPUT: 'provisioned',
  ON_DEMAND: 'on_demand',
  ON_DEMAND_PRIORITY: 'priority',
  ON_DEMAND_FLEX: 'flex',
};

const SERVICE_TIER: Record<string, CapacityTier> = {
  // Gemini API usageMetadata.serviceTier
  standard: 'on_demand',
  flex: 'flex',
  priority: 'priority',
  // Bedrock serviceTier: "reserved" is capacity bought ahead, like provisioned throughput.
  default: 'on_demand',
  reserved: 'provisioned',
};

/** Vertex AI `usageMetadata.trafficType`; undefined for values with no tier (e.g. OFFPEAK). */
export function tierFromVertexTraffic(traffic: string | undefined): CapacityTier | undefined {
  return traffic === undefined ? undefined : VERTEX_TRAFFIC[traffic];
}

/** Gemini API or Bedrock service tier names. */
export function tierFromServiceTier(tier: string | undefined): CapacityTier | undefined {
  return tier === undefined ? undefined : SERVICE_TIER[tier.toLowerCase()];
}

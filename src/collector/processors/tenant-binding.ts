// An ingest key bound to a tenant: every span it sends is stamped with that tenant, GenAI or
// not, so no span of one client can feed another client's attribution; in `require` mode a
// call or outcome span must already carry the tenant, else it is rejected.
import { FINOPS } from '../../shared/semconv.js';
import type { TenantBinding } from '../receiver/ingest-auth.js';
import type { SpanRecord } from '../span.js';
import type { Hint } from '../trace-buffer.js';

/**
 * Stamp an ingest key's tenant on a span (its hints, its resource's, and its attributes, so
 * forwarded spans carry it too). `require` mode first checks that a call or outcome span
 * carries that tenant itself; returns a rejection reason or undefined.
 */
export function applyBinding(
  binding: TenantBinding,
  hint: Hint,
  ownResource: Hint,
  span: SpanRecord,
  billable: boolean,
): string | undefined {
  const carried = hint.tenant ?? ownResource.tenant;
  if (billable && binding.mode === 'require' && carried !== binding.tenant) {
    return `span ${span.spanId}: tenant ${JSON.stringify(carried ?? '')} is not allowed for this ingest key (bound to ${JSON.stringify(binding.tenant)})`;
  }
  // The key's tenant wins over anything the span, its resource or its ancestors say.
  hint.tenant = binding.tenant;
  ownResource.tenant = binding.tenant;
  span.attributes[FINOPS.TENANT] = binding.tenant;
  return undefined;
}

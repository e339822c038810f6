// The rich gRPC error a refusal carries in the `grpc-status-details-bin` trailer: a
// google.rpc.Status whose details hold a google.rpc.RetryInfo when the client should come back
// later. The OTLP spec makes RESOURCE_EXHAUSTED retryable only with RetryInfo, and the OTel
// Collector's exporters honour its delay (the gRPC form of HTTP's Retry-After).
import protobuf from 'protobufjs';
import type Long from 'long';

export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';
export const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

const f = (type: string, id: number, rule?: 'repeated') =>
  rule ? { type, id, rule } : { type, id };

// google/rpc/status.proto, google/rpc/error_details.proto, google/protobuf/{any,duration}.proto.
const root = protobuf.Root.fromJSON({
  nested: {
    rpc: {
      nested: {
        Status: {
          fields: {
            code: f('int32', 1),
            message: f('string', 2),
            details: f('Any', 3, 'repeated'),
          },
        },
        Any: { fields: { typeUrl: f('string', 1), value: f('bytes', 2) } },
        RetryInfo: { fields: { retryDelay: f('Duration', 1) } },
        Duration: { fields: { seconds: f('int64', 1), nanos: f('int32', 2) } },
      },
    },
  },
});
const StatusType = root.lookupType('rpc.Status');
const RetryInfoType = root.lookupType('rpc.RetryInfo');

export interface StatusDetails {
  code: number;
  message: string;
  /** From a RetryInfo detail, when there is one. */
  retryDelaySeconds?: number;
}

export function encodeStatusDetails(details: StatusDetails): Buffer {
  const any =
    details.retryDelaySeconds !== undefined
      ? [
          {
            typeUrl: RETRY_INFO_TYPE,
            value: RetryInfoType.encode(
              RetryInfoType.fromObject({
                retryDelay: { seconds: Math.floor(details.retryDelaySeconds), nanos: 0 },
              }),
            ).finish(),
          },
        ]
      : [];
  const status = StatusType.fromObject({
    code: details.code,
    message: details.message,
    details: any,
  });
  return Buffer.from(StatusType.encode(status).finish());
}

interface DecodedStatus {
  code?: number;
  message?: string;
  details?: { typeUrl?: string; value?: Uint8Array }[];
}

/** Read a `grpc-status-details-bin` value (clients and tests). */
export function decodeStatusDetails(bytes: Uint8Array): StatusDetails {
  const status = StatusType.decode(bytes) as unknown as DecodedStatus;
  const out: StatusDetails = { code: status.code ?? 0, message: status.message ?? '' };
  const retry = status.details?.find((d) => d.typeUrl === RETRY_INFO_TYPE);
  if (retry?.value !== undefined) {
    const info = RetryInfoType.decode(retry.value) as unknown as {
      retryDelay?: { seconds?: number | Long; nanos?: number };
    };
    const seconds = Number(info.retryDelay?.seconds ?? 0);
    out.retryDelaySeconds = seconds + (info.retryDelay?.nanos ?? 0) / 1e9;
  }
  return out;
}

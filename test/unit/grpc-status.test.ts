// The grpc-status-details-bin trailer, read back field by field with a bare protobuf reader and
// the field numbers of google/rpc/status.proto, google/protobuf/any.proto,
// google/rpc/error_details.proto (RetryInfo) and google/protobuf/duration.proto, so a wrong
// number in our descriptor cannot hide behind our own decoder.
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import {
  decodeStatusDetails,
  encodeStatusDetails,
  RETRY_INFO_TYPE,
} from '../../src/collector/receiver/grpc-status.js';

type Fields = Map<number, (number | Uint8Array)[]>;

/** Every field of one message: varints as numbers, length-delimited ones as bytes. */
function fields(bytes: Uint8Array): Fields {
  const reader = protobuf.Reader.create(bytes);
  const out: Fields = new Map();
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const [field, wire] = [tag >>> 3, tag & 7];
    const value = wire === 0 ? Number(reader.int64().toString()) : reader.bytes();
    if (wire !== 0 && wire !== 2) throw new Error(`unexpected wire type ${wire}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

describe('grpc-status-details-bin', () => {
  it('is a google.rpc.Status with a RetryInfo detail carrying the delay', () => {
    const bytes = encodeStatusDetails({
      code: 8,
      message: 'too many requests in flight',
      retryDelaySeconds: 3,
    });
    const status = fields(bytes);
    expect(status.get(1)).toEqual([8]);
    expect(Buffer.from(status.get(2)![0] as Uint8Array).toString()).toBe(
      'too many requests in flight',
    );
    const details = status.get(3)!;
    expect(details).toHaveLength(1);
    const any = fields(details[0] as Uint8Array);
    expect(Buffer.from(any.get(1)![0] as Uint8Array).toString()).toBe(
      'type.googleapis.com/google.rpc.RetryInfo',
    );
    const retryInfo = fields(any.get(2)![0] as Uint8Array);
    const duration = fields(retryInfo.get(1)![0] as Uint8Array);
    expect(duration.get(1)).toEqual([3]);
    expect(duration.get(2) ?? [0]).toEqual([0]);
    expect(decodeStatusDetails(bytes)).toEqual({
      code: 8,
      message: 'too many requests in flight',
      retryDelaySeconds: 3,
    });
  });

  it('carries no detail when there is nothing to wait for', () => {
    const bytes = encodeStatusDetails({ code: 3, message: 'body is not valid protobuf' });
    const status = fields(bytes);
    expect(status.get(1)).toEqual([3]);
    expect(status.get(3)).toBeUndefined();
    expect(decodeStatusDetails(bytes).retryDelaySeconds).toBeUndefined();
    expect(RETRY_INFO_TYPE).toBe('type.googleapis.com/google.rpc.RetryInfo');
  });
});

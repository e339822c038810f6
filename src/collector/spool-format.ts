// The spool's record format. Version 2 (written now):
//   [magic "LLM2" u32][seq u64][encoding u8][meta length u16][body length u32]
//   [crc32 of meta+body u32][crc32 of the 23 header bytes before it u32][meta][body]
// The header checksum means a flipped bit in a length or a seq is detected instead of
// misreading everything after it; the body checksum catches the rest. Version 1 records
// ("LLMS", no header checksum) from earlier releases are still read.
//
// Decoding never stops at a bad record: it skips to the next intact one (scanning for the next
// magic whose header checks out), so one corrupt record costs that record only. A record that
// starts well but runs past the end of the file, with nothing intact after it, is a torn tail:
// a crash mid-write, never acknowledged.
import { crc32 } from 'node:zlib';

export type SpoolEncoding = 'protobuf' | 'json';

export interface SpoolRecord {
  seq: number;
  encoding: SpoolEncoding;
  /** JSON text, '' when there is nothing besides the body. */
  meta: string;
  body: Buffer;
}

export interface DecodeResult {
  records: (SpoolRecord & { bytes: number })[];
  /** Skipped byte ranges (each counted as one corrupt record). */
  corrupt: { offset: number; bytes: number }[];
  tornTailBytes: number;
  /** The highest seq in any header that checked out, intact body or not. */
  maxSeq: number;
}

const MAGIC_V1 = 0x4c4c4d53; // bytes "SMLL"
const MAGIC_V2 = 0x324d4c4c; // bytes "LLM2"
const HEADER_V1 = 23;
const HEADER_V2 = 27;
const MAGIC_V2_BYTES = Buffer.from([0x4c, 0x4c, 0x4d, 0x32]);
const MAGIC_V1_BYTES = Buffer.from([0x53, 0x4d, 0x4c, 0x4c]);

/** Bytes a record takes on disk. */
export function frameSize(bodyBytes: number, metaBytes: number): number {
  return HEADER_V2 + metaBytes + bodyBytes;
}

export function encodeRecord(
  seq: number,
  encoding: SpoolEncoding,
  meta: string,
  body: Buffer,
): Buffer {
  const metaBytes = Buffer.from(meta, 'utf8');
  if (metaBytes.length > 0xffff) throw new RangeError('spool record meta exceeds 64 KiB');
  const header = Buffer.alloc(HEADER_V2);
  header.writeUInt32LE(MAGIC_V2, 0);
  header.writeBigUInt64LE(BigInt(seq), 4);
  header.writeUInt8(encoding === 'protobuf' ? 1 : 2, 12);
  header.writeUInt16LE(metaBytes.length, 13);
  header.writeUInt32LE(body.length, 15);
  header.writeUInt32LE(crc32(body, crc32(metaBytes)), 19);
  header.writeUInt32LE(crc32(header.subarray(0, 23)), 23);
  return Buffer.concat([header, metaBytes, body]);
}

type Frame =
  | { kind: 'ok'; record: SpoolRecord & { bytes: number }; end: number }
  /** The header checks out but the body does not: skip exactly this record. */
  | { kind: 'body'; seq: number; end: number }
  /** A record that starts well and runs past the end of the data. */
  | { kind: 'torn' }
  | { kind: 'bad' };

export function decodeRecords(data: Buffer): DecodeResult {
  const out: DecodeResult = { records: [], corrupt: [], tornTailBytes: 0, maxSeq: 0 };
  let offset = 0;
  while (offset < data.length) {
    const frame = readFrame(data, offset);
    if (frame.kind === 'ok') {
      out.records.push(frame.record);
      out.maxSeq = Math.max(out.maxSeq, frame.record.seq);
      offset = frame.end;
    } else if (frame.kind === 'body') {
      out.corrupt.push({ offset, bytes: frame.end - offset });
      out.maxSeq = Math.max(out.maxSeq, frame.seq);
      offset = frame.end;
    } else if (frame.kind === 'torn' && nextFrame(data, offset + 1) === undefined) {
      out.tornTailBytes = data.length - offset;
      break;
    } else {
      // Garbage, or a length that runs past intact records after it (a flipped length byte).
      const next = nextFrame(data, offset + 1);
      out.corrupt.push({ offset, bytes: (next ?? data.length) - offset });
      if (next === undefined) break;
      offset = next;
    }
  }
  return out;
}

/** The next offset where a record starts whose header checks out. */
function nextFrame(data: Buffer, from: number): number | undefined {
  let best: number | undefined;
  for (const [magic, strong] of [
    [MAGIC_V2_BYTES, true],
    [MAGIC_V1_BYTES, false],
  ] as const) {
    let at = data.indexOf(magic, from);
    while (at !== -1 && (best === undefined || at < best)) {
      const kind = readFrame(data, at).kind;
      // A v1 header has no checksum of its own: only a whole intact v1 record is proof.
      if (kind === 'ok' || (strong && kind !== 'bad')) {
        best = at;
        break;
      }
      at = data.indexOf(magic, at + 1);
    }
  }
  return best;
}

function readFrame(data: Buffer, offset: number): Frame {
  const remaining = data.length - offset;
  if (remaining < 4)
    return isMagicPrefix(data.subarray(offset)) ? { kind: 'torn' } : { kind: 'bad' };
  const magic = data.readUInt32LE(offset);
  if (magic === MAGIC_V2) return readV2(data, offset);
  if (magic === MAGIC_V1) return readV1(data, offset);
  return { kind: 'bad' };
}

function readV2(data: Buffer, offset: number): Frame {
  if (data.length - offset < HEADER_V2) return { kind: 'torn' };
  if (crc32(data.subarray(offset, offset + 23)) !== data.readUInt32LE(offset + 23))
    return { kind: 'bad' };
  const seq = Number(data.readBigUInt64LE(offset + 4));
  const encodingByte = data.readUInt8(offset + 12);
  const metaLength = data.readUInt16LE(offset + 13);
  const length = data.readUInt32LE(offset + 15);
  const start = offset + HEADER_V2;
  const end = start + metaLength + length;
  if (end > data.length) return { kind: 'torn' };
  const meta = data.subarray(start, start + metaLength);
  const body = data.subarray(start + metaLength, end);
  if (
    crc32(body, crc32(meta)) !== data.readUInt32LE(offset + 19) ||
    encodingByte < 1 ||
    encodingByte > 2
  )
    return { kind: 'body', seq, end };
  return { kind: 'ok', record: record(seq, encodingByte, meta, body, end - offset), end };
}

function readV1(data: Buffer, offset: number): Frame {
  if (data.length - offset < HEADER_V1) return { kind: 'torn' };
  const seq = Number(data.readBigUInt64LE(offset + 4));
  const metaLength = data.readUInt16LE(offset + 13);
  const length = data.readUInt32LE(offset + 15);
  const start = offset + HEADER_V1;
  const end = start + metaLength + length;
  if (end > data.length) return { kind: 'torn' };
  const meta = data.subarray(start, start + metaLength);
  const body = data.subarray(start + metaLength, end);
  // Without a header checksum a mismatch may be a bad length: resynchronize, do not trust `end`.
  if (crc32(body, crc32(meta)) !== data.readUInt32LE(offset + 19)) return { kind: 'bad' };
  return {
    kind: 'ok',
    record: record(seq, data.readUInt8(offset + 12), meta, body, end - offset),
    end,
  };
}

function record(
  seq: number,
  encodingByte: number,
  meta: Buffer,
  body: Buffer,
  bytes: number,
): SpoolRecord & { bytes: number } {
  return {
    seq,
    encoding: encodingByte === 1 ? 'protobuf' : 'json',
    meta: meta.toString('utf8'),
    body: Buffer.from(body),
    bytes,
  };
}

function isMagicPrefix(tail: Buffer): boolean {
  return (
    MAGIC_V2_BYTES.subarray(0, tail.length).equals(tail) ||
    MAGIC_V1_BYTES.subarray(0, tail.length).equals(tail)
  );
}

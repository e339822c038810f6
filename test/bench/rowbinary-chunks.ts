// The collector's RowBinary rows (storage.insert_format: rowbinary) of priced calls, one body of
// `chunk` rows each: the bodies bench:ingest's second baseline and ingest-formats.ts insert.
import type { LlmCall } from '../../src/collector/call.js';
import { writeCallRowBinary } from '../../src/storage/rows-rowbinary.js';

/** Room a row may take in a body (bench:ingest's rows are ~680 bytes). */
const ROW_ROOM = 4096;

export function rowBinaryChunks(calls: readonly LlmCall[], chunk: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < calls.length; i += chunk) {
    const part = calls.slice(i, i + chunk);
    const buf = Buffer.alloc(part.length * ROW_ROOM);
    let at = 0;
    for (const call of part) {
      at = writeCallRowBinary(call, buf, at);
      // OUTSIDE or NO_ROOM: bench rows are always inside the encoder's domain and its room.
      if (at < 0) throw new Error(`call ${call.call_id} has no RowBinary row (${at})`);
    }
    chunks.push(buf.subarray(0, at));
  }
  return chunks;
}

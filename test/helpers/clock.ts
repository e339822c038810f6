// Integration tests that place calls relative to "now" anchor them at the start of the current
// hour. Their answers must not depend on the hour of the day they run at (CI runs at any hour, and
// whole days, hours and months fall differently inside a window at each): TEST_CLOCK_SHIFT_H=k
// moves the anchor k hours back, so running a file with k = 0..23 checks it at every hour of the
// day. Only the calls' times move; the engine's clock does not (chDB cannot be given a fake clock:
// libfaketime hangs its background threads), so the calls are simply k hours older.
const HOUR = 3_600_000;

/** Start of the current hour in epoch milliseconds, moved back TEST_CLOCK_SHIFT_H hours. */
export function hourStartMs(): number {
  const shift = Number(process.env.TEST_CLOCK_SHIFT_H ?? 0) * HOUR;
  return Math.floor((Date.now() - shift) / HOUR) * HOUR;
}

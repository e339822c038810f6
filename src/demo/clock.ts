// The demo clock: demo time runs `scale` times faster than wall time so a 30-minute incident
// story plays in 90 s. Everything a user would read as "provider behaviour" (TTFT, stream
// pacing, capacity windows, retry-after-ms) is expressed in demo time and converted to wall
// time only where a real timer or socket is involved.

export interface DemoClock {
  /** Demo milliseconds per wall millisecond. */
  readonly scale: number;
  /** Demo milliseconds since the run started. */
  now(): number;
  /** Wall milliseconds (Date.now()) of a demo instant. */
  wallAt(demoMs: number): number;
  /** Demo duration -> wall duration (ms). */
  toWall(demoMs: number): number;
  /** Wall duration -> demo duration (ms). */
  toDemo(wallMs: number): number;
  /** Resolves after `demoMs` of demo time. */
  sleep(demoMs: number): Promise<void>;
  /** Demo time 0 = now: called when the traffic starts, after the slow start-up. */
  restart(): void;
}

export function createDemoClock(
  scale: number,
  start: number = Date.now(),
  wallNow: () => number = Date.now,
): DemoClock {
  if (!(scale > 0)) throw new RangeError(`time scale must be > 0, got ${scale}`);
  let wallStart = start;
  return {
    restart: () => {
      wallStart = wallNow();
    },
    scale,
    now: () => (wallNow() - wallStart) * scale,
    wallAt: (demoMs) => wallStart + demoMs / scale,
    toWall: (demoMs) => demoMs / scale,
    toDemo: (wallMs) => wallMs * scale,
    sleep: (demoMs) => new Promise((resolve) => setTimeout(resolve, Math.max(0, demoMs / scale))),
  };
}

/** Seeded PRNG (mulberry32): the same seed gives both runs the same traffic and noise. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Exponential inter-arrival gap (Poisson process) with the given mean. */
export function expGap(random: () => number, meanMs: number): number {
  return -Math.log(1 - random()) * meanMs;
}

// A bounded set of recently seen keys (call ids), so a client's retry of a request it already
// sent, or a replay, does not count a call twice. Map insertion order gives FIFO eviction.
export class SeenSet {
  private readonly keys = new Set<string>();

  constructor(private readonly capacity: number) {}

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Remember `key`; false when it was already there (one lookup for the check and the add). */
  add(key: string): boolean {
    const before = this.keys.size;
    this.keys.add(key);
    if (this.keys.size === before) return false;
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.values().next();
      if (!oldest.done) this.keys.delete(oldest.value);
    }
    return true;
  }

  get size(): number {
    return this.keys.size;
  }
}

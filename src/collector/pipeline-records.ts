// Which spool records still have rows on their way to the store: a record is done (and the
// spool may forget it) once every row it produced is committed or durably dead-lettered.
export class RecordTracker {
  /** Rows still to be committed per spool record. */
  private readonly outstanding = new Map<number, number>();

  constructor(private readonly onRecordDone: ((seq: number) => void) | undefined) {}

  /** Record `seq` (0: not spooled) produced `rows` rows. */
  track(seq: number, rows: number): void {
    if (seq === 0) return;
    if (rows === 0) this.onRecordDone?.(seq);
    else this.outstanding.set(seq, rows);
  }

  /** These rows were committed (one seq per row). */
  committed(seqs: number[]): void {
    for (const seq of seqs) {
      if (seq === 0) continue;
      const left = (this.outstanding.get(seq) ?? 1) - 1;
      if (left > 0) this.outstanding.set(seq, left);
      else {
        this.outstanding.delete(seq);
        this.onRecordDone?.(seq);
      }
    }
  }
}

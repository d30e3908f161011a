/**
 * Live progress of the scanning modules, for the CLI's progress bar. The run
 * summary has final counters only; this board is read while modules work.
 */
export interface ProgressReading {
  phase: string;
  completed: number;
  total: number;
  open: number;
  /** plugin invocations, once plugins run (see modules/plugins/detection-progress.ts) */
  detection?: { queued: number; done: number; running: ReadonlyMap<string, number> };
}

export class ProgressBoard {
  private readonly sources = new Map<string, () => ProgressReading>();
  private detection: (() => NonNullable<ProgressReading['detection']>) | undefined;

  /** where the detection stage's counts come from */
  setDetection(read: () => NonNullable<ProgressReading['detection']>): void {
    this.detection = read;
  }

  set(nodeId: string, read: () => ProgressReading): void {
    this.sources.set(nodeId, read);
  }

  delete(nodeId: string): void {
    this.sources.delete(nodeId);
  }

  /** the busiest source's reading (the big port scan, usually) */
  read(): ProgressReading {
    let best: ProgressReading = { phase: 'starting', completed: 0, total: 0, open: 0 };
    for (const read of this.sources.values()) {
      const r = read();
      if (r.total >= best.total) best = r;
    }
    const detection = this.detection?.();
    return detection && detection.queued > 0 ? { ...best, detection } : best;
  }
}

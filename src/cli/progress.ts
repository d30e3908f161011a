/**
 * A one-line progress bar on stderr, only when stderr is a terminal and only
 * for scans that last more than a moment: short scans print nothing extra.
 */
export interface ProgressSource {
  (): { phase: string; completed: number; total: number; open: number };
}

const DELAY_MS = 800;
const EVERY_MS = 200;

export class ProgressBar {
  private timer: NodeJS.Timeout | undefined;
  private shown = false;
  private readonly start = performance.now();

  constructor(private readonly read: ProgressSource, private readonly out: NodeJS.WriteStream = process.stderr) {}

  begin(): void {
    if (!this.out.isTTY) return;
    this.timer = setTimeout(() => {
      this.timer = setInterval(() => this.draw(), EVERY_MS);
      this.draw();
    }, DELAY_MS);
  }

  end(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.shown) this.out.write('\r\x1b[2K');
    this.shown = false;
  }

  private draw(): void {
    const p = this.read();
    const elapsed = (performance.now() - this.start) / 1000;
    const frac = p.total > 0 ? Math.min(1, p.completed / p.total) : 0;
    const width = 24;
    const filled = Math.round(frac * width);
    const rate = p.completed / Math.max(elapsed, 0.001);
    const eta = rate > 0 && p.total > p.completed ? Math.ceil((p.total - p.completed) / rate) : 0;
    const line = `${p.phase.padEnd(9)} [${'='.repeat(filled)}${' '.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ` +
      `${p.completed.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')}  ${p.open} open  ${Math.round(rate).toLocaleString('en-US')}/s  ETA ${eta}s`;
    const cols = this.out.columns ?? 100;
    this.out.write('\r\x1b[2K' + line.slice(0, cols - 1));
    this.shown = true;
  }
}

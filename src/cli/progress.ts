/**
 * A one-line progress bar on stderr, only when stderr is a terminal and only
 * for scans that last more than a moment: short scans print nothing extra.
 * It follows the scan through its stages: the port scan (probes, open ports,
 * rate, ETA), then detection (plugin runs done of those asked for, which
 * plugins run now, ETA once no more ports can come).
 */
import type { ProgressReading } from '../modules/builtin/progress-board.js';
import { forTerminal } from '../report/terminal-text.js';

export interface ProgressSource {
  (): ProgressReading;
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
    this.clear();
  }

  /** Takes the bar off its line, so a message written now starts a line of its own (the next tick draws it again). */
  clear(): void {
    if (this.shown) this.out.write('\r\x1b[2K');
    this.shown = false;
  }

  private draw(): void {
    const p = this.read();
    const now = performance.now();
    const portsDone = p.total > 0 && p.completed >= p.total;
    let line: string;
    if (p.detection && (portsDone || p.total === 0)) line = this.detectionLine(p.detection, now);
    else {
      const elapsed = (now - this.start) / 1000;
      const frac = p.total > 0 ? Math.min(1, p.completed / p.total) : 0;
      const rate = p.completed / Math.max(elapsed, 0.001);
      const eta = rate > 0 && p.total > p.completed ? Math.ceil((p.total - p.completed) / rate) : 0;
      line = `${p.phase.padEnd(9)} ${bar(frac)} ${(frac * 100).toFixed(0).padStart(3)}% ` +
        `${p.completed.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')}  ${p.open} open  ${Math.round(rate).toLocaleString('en-US')}/s  ETA ${eta}s` +
        (p.detection ? `  · detection ${p.detection.done}/${p.detection.queued}` : '');
    }
    const cols = this.out.columns ?? 100;
    this.out.write('\r\x1b[2K' + line.slice(0, cols - 1));
    this.shown = true;
  }

  #detectionSince: { at: number; done: number } | undefined;

  /** `detection [===  ] 4 of 10 plugin runs, 2 running: ssh, http  ETA 3s` */
  private detectionLine(d: NonNullable<ProgressReading['detection']>, now: number): string {
    this.#detectionSince ??= { at: now, done: d.done };
    const frac = d.queued > 0 ? d.done / d.queued : 0;
    const rate = (d.done - this.#detectionSince.done) / Math.max((now - this.#detectionSince.at) / 1000, 0.001);
    const left = d.queued - d.done;
    const eta = rate > 0 && left > 0 ? `  ETA ${Math.ceil(left / rate)}s` : '';
    const names = [...d.running.keys()].map((n) => forTerminal(n)).join(', ');
    const running = d.running.size > 0 ? `, ${[...d.running.values()].reduce((a, b) => a + b, 0)} running: ${names}` : '';
    return `detection ${bar(frac, 12)} ${d.done} of ${d.queued} plugin runs${running}${eta}`;
  }
}

function bar(frac: number, width = 24): string {
  const filled = Math.round(Math.min(1, frac) * width);
  return `[${'='.repeat(filled)}${' '.repeat(width - filled)}]`;
}

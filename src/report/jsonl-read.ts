/**
 * Reads a saved scan (wasmap's JSONL) back into events for `wasmap report`:
 * a line that is not an event is skipped with a warning naming it, never
 * losing the rest. Bytes that JSONL wrote as base64 (banners) become bytes
 * again, so every writer renders them as it does during a scan.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ScanEvent } from '../model/event.js';
import type { ScanSummary } from './summary.js';

function isEvent(v: unknown): v is ScanEvent {
  const e = v as ScanEvent;
  return typeof e === 'object' && e !== null && typeof e.origin?.type === 'string' && typeof e.target?.ip === 'string' && typeof e.target?.port === 'number' && typeof e.result === 'object' && e.result !== null;
}

function revive(ev: ScanEvent): ScanEvent {
  const d = ev.result.data as Record<string, unknown> | undefined;
  if (ev.origin.type === 'banner' && d && typeof d.banner === 'string') return { ...ev, result: { ...ev.result, data: { ...d, banner: new Uint8Array(Buffer.from(d.banner, 'base64')) } } };
  return ev;
}

export async function* readJsonlEvents(file: string, warn: (line: number, why: string) => void): AsyncGenerator<ScanEvent> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      warn(n, 'not JSON');
      continue;
    }
    if (!isEvent(v)) {
      warn(n, 'not a wasmap event');
      continue;
    }
    yield revive(v);
  }
}

/** What a saved scan can still tell about itself (JSONL keeps no summary line). */
export class SummaryFromEvents {
  #hosts = new Set<string>();
  #open = 0;
  #probed = 0;
  #events = 0;
  #first = Infinity;
  #last = 0;
  #job = '';

  add(ev: ScanEvent): void {
    this.#events++;
    if (ev.target.ip) this.#hosts.add(ev.target.ip);
    this.#job ||= ev.origin.job_id;
    this.#first = Math.min(this.#first, ev.origin.ts);
    this.#last = Math.max(this.#last, ev.origin.ts);
    if (ev.origin.type === 'portscan') {
      this.#probed++;
      if ((ev.result.data as { state?: { state?: string } }).state?.state === 'open') this.#open++;
    }
  }

  summary(): ScanSummary {
    const elapsed = this.#events ? this.#last - this.#first : 0;
    return { job_id: this.#job, hosts: this.#hosts.size, hosts_up: this.#hosts.size, ports_probed: this.#probed, open: this.#open, events: this.#events, elapsed_ms: elapsed, rate: elapsed > 0 ? (this.#probed * 1000) / elapsed : 0 };
  }
}

/**
 * The library's `scan()`: a Scanner whose events are pulled with `for await`.
 * The generator's return value is the summary; a consumer that stops
 * iterating (break, throw) stops the scan.
 */
import { WasmapError } from '../errors.js';
import type { ScanEvent } from '../model/event.js';
import type { ScanSummary } from '../report/summary.js';
import type { ScanOptions } from './scan-options.js';
import { Scanner, type ScanOutcome } from './scanner.js';
import { ScanFailedError } from './scan-failed-error.js';

export async function* scan(targets: string[], opts: ScanOptions = {}): AsyncGenerator<ScanEvent, ScanSummary> {
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  const scanner = await Scanner.prepare(targets, { ...opts, signal });
  try {
    const queue: ScanEvent[] = [];
    let wake: (() => void) | undefined;
    let finished = false;
    const done: Promise<ScanOutcome> = scanner
      .run({ onLog: opts.onLog, onEvent: (ev) => { queue.push(ev); wake?.(); } })
      .finally(() => {
        finished = true;
        wake?.();
      });
    try {
      while (!finished || queue.length > 0) {
        if (queue.length === 0) await new Promise<void>((r) => (wake = r));
        wake = undefined;
        while (queue.length > 0) yield queue.shift()!;
      }
    } finally {
      if (!finished) {
        stop.abort(new Error('scan() consumer stopped'));
        await done.catch(() => undefined);
      }
    }
    const outcome = await done;
    if (opts.signal?.aborted) throw new WasmapError('WASMAP_ABORTED', 'scan aborted by its signal', { cause: opts.signal.reason });
    if (outcome.failed.length > 0) throw new ScanFailedError(outcome.failed);
    return outcome.summary;
  } finally {
    await scanner.close();
  }
}

/**
 * Live counts of plugin invocations, for the progress bar's detection stage:
 * how many were asked for, how many ended, and which plugins run now. One
 * per runtime (every plugin module of a run shares the runtime), so the CLI
 * reads it without the modules knowing about the CLI.
 */
import type { PluginRuntime } from '../../sandbox/index.js';

export interface DetectionReading {
  queued: number;
  done: number;
  /** plugin name → invocations in flight */
  running: ReadonlyMap<string, number>;
}

export class DetectionProgress implements DetectionReading {
  queued = 0;
  done = 0;
  readonly running = new Map<string, number>();

  started(plugin: string): void {
    this.queued++;
    this.running.set(plugin, (this.running.get(plugin) ?? 0) + 1);
  }

  ended(plugin: string): void {
    this.done++;
    const n = (this.running.get(plugin) ?? 1) - 1;
    if (n > 0) this.running.set(plugin, n);
    else this.running.delete(plugin);
  }
}

const byRuntime = new WeakMap<PluginRuntime, DetectionProgress>();

export function detectionProgress(runtime: PluginRuntime): DetectionProgress {
  let p = byRuntime.get(runtime);
  if (!p) byRuntime.set(runtime, (p = new DetectionProgress()));
  return p;
}

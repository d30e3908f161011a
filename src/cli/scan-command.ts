/**
 * `wasmap scan`: flags → a Scanner (src/scan/), events streamed to the chosen
 * writers. SIGINT/SIGTERM cancel every node, flush everything found so far,
 * print the summary and exit 130/143.
 */
import { summaryLine } from '../report/summary.js';
import type { EventWriter } from '../report/writer.js';
import { forTerminal } from '../report/terminal-text.js';
import { describeMatch } from '../modules/plugins/match.js';
import { Scanner, type ScanOutcome } from '../scan/scanner.js';
import { PluginsRefusedError } from '../scan/plugins-refused-error.js';
import { ProgressBar } from './progress.js';
import { reportFatal, isUsageCode, exitCodeForSignal } from './fatal.js';
import { shardedRunOf, scanOptionsOf, type ScanFlags, type ShardedRun } from './scan-flags.js';
import type { QueuedScan } from '../distributed/queued-scan.js';
import type { LocalShardedScan } from '../distributed/local-shards.js';
import { openSinks, scannedPorts } from './scan-sinks.js';

export async function runScanCommand(targetArgs: string[], raw: Record<string, unknown>): Promise<number> {
  const f = raw as ScanFlags;
  const abort = new AbortController();
  let interrupted: string | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (interrupted) process.exit(exitCodeForSignal(sig)); // a second signal: leave now
    interrupted = sig;
    abort.abort(new Error(`interrupted by ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // stderr lines carry plugin errors, manifest values and file names: never raw to the terminal
  let bar: ProgressBar | undefined;
  const say = (m: string): void => {
    bar?.clear();
    process.stderr.write(`wasmap: ${forTerminal(m)}\n`);
  };
  const warn = (m: string): void => say(`warning: ${m}`);
  let scanner: Scanner | QueuedScan | LocalShardedScan | undefined;
  let sharded: ShardedRun | undefined;

  try {
    sharded = shardedRunOf(f);
    const queue = sharded?.mode === 'queue' ? sharded : undefined;
    // `wasmap scan status ID --queue URL`: where a distributed scan stands
    if (queue && targetArgs[0] === 'status' && targetArgs.length === 2) {
      const { printScanStatus } = await import('./scan-status.js');
      return await printScanStatus(targetArgs[1]!, queue.queue);
    }
    const options = {
      ...scanOptionsOf(f),
      signal: abort.signal,
      onNotice: (n: { kind: string; message: string }) => {
        if (n.kind === 'missing') warn(n.message);
        else if (n.kind === 'refused' || !f.quiet) say(n.message);
      },
    };
    if (queue) {
      const { QueuedScan } = await import('../distributed/queued-scan.js');
      scanner = await QueuedScan.prepare(targetArgs, options, {
        ...queue,
        command: `wasmap scan ${process.argv.slice(3).join(' ')}`,
        onShard: (s) => {
          if (s.status === 'failed') warn(`shard ${s.n} failed for good: ${s.error}`);
          else if (f.verbose) say(`shard ${s.n} done by ${s.worker} (${s.done}/${s.total})`);
        },
      });
      if (!f.quiet) say(`scan ${scanner.jobId}: ${scanner.plan.tiles.length} shards queued on ${queue.queue.replace(/\/\/[^@/]*@/, '//')}; continue it after a stop with --resume ${scanner.jobId}`);
    } else if (sharded?.mode === 'local') {
      const { LocalShardedScan } = await import('../distributed/local-shards.js');
      const local = await LocalShardedScan.prepare(targetArgs, options, {
        ...sharded,
        command: `wasmap scan ${process.argv.slice(3).join(' ')}`,
        onShard: (s) => {
          if (f.verbose) say(`shard ${s.n} done (${s.done}/${s.total})`);
        },
      });
      scanner = local;
      if (!f.quiet) say(local.resumed > 0 ? `resuming scan ${local.jobId} from ${sharded.stateFile}: ${local.resumed} of ${local.plan.tiles.length} shards already done` : `scan ${local.jobId}: ${local.plan.tiles.length} shards, finished ones kept in ${sharded.stateFile}`);
    } else {
      scanner = await Scanner.prepare(targetArgs, options);
    }
    const html = { profile: scanner.profile, plugins: scanner.plugins.map((p) => ({ name: p.manifest.name, version: p.manifest.version, kind: p.manifest.kind, sha256: p.sha256 })) };
    const sinks = openSinks(f, html, { ports: scannedPorts(scanner) }, say);
    if (f.verbose) {
      say(`job ${scanner.jobId}, profile ${scanner.profile}, seed ${scanner.settings.seed}`);
      // what runs where: each plugin of the DAG and the ports it is called on
      for (const p of scanner.plugins) say(`plugin ${p.manifest.name} (${p.manifest.kind}): ${p.manifest.kind === 'scanner' || p.manifest.kind === 'detection' ? describeMatch(p.manifest.match) : p.manifest.kind === 'evaluator' ? 'each host, after its ports' : 'once, on all events'}`);
    }
    const s = scanner;
    bar = f.quiet ? undefined : new ProgressBar(() => s.progress());
    bar?.begin();
    const outcome = await scanner.run({
      onEvent: (ev) => {
        for (const sink of sinks) sink.write(ev);
      },
      onLog: (r) => {
        if (r.level === 'warn' || r.level === 'error') warn(r.msg);
        else if (f.verbose) say(`${r.nodeId}: ${r.msg}`);
      },
    });
    bar?.end();
    return await finish(sinks, outcome);
  } catch (e) {
    // stopped before the scan ran (e.g. while plugins load): nothing was found, say so and leave as a signal does
    if (interrupted) {
      say(`interrupted by ${interrupted} before the scan started: nothing found`);
      return exitCodeForSignal(interrupted);
    }
    // a plugin the user named is input: if it cannot load, nothing runs (one line per plugin)
    if (e instanceof PluginsRefusedError) {
      for (const r of e.refused) say(`error: plugin ${r.source} refused: ${r.message}`);
      return 2;
    }
    return reportFatal(e);
  } finally {
    await scanner?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  /** Closes the writers with the summary; the exit status: 2 for bad input a node found, 1 for a failed node, 130/143 on a signal. */
  async function finish(sinks: EventWriter[], outcome: ScanOutcome): Promise<number> {
    const { nodes, failed } = outcome;
    const usage = failed.find((n) => n.error_code && isUsageCode(n.error_code));
    if (usage) {
      await Promise.all(sinks.map((s) => s.close()));
      say(`error: ${usage.error}`);
      return 2;
    }
    for (const n of failed) warn(`${n.id} (${n.module}) failed: ${n.error}`);
    const summary = { ...outcome.summary, ...(interrupted ? { interrupted } : {}) };
    await Promise.all(sinks.map((s) => s.close(summary)));
    if (f.verbose) say(`nodes: ${nodes.map((n) => `${n.id} ${n.status} ${n.duration_ms} ms`).join(', ')}`);
    if (!f.quiet) process.stderr.write(summaryLine(summary) + '\n');
    if (interrupted && sharded?.mode === 'queue') say(`scan ${scanner?.jobId} stays queued: continue it with --queue … --resume ${scanner?.jobId}`);
    if (interrupted && sharded?.mode === 'local') say(`finished shards are in ${sharded.stateFile}: continue with the same --resume ${sharded.stateFile}`);
    if (interrupted) return exitCodeForSignal(interrupted);
    // a distributed shard that failed for good is a failed part of the scan, as a failed node is
    const failedShards = scanner && 'failedShards' in scanner ? scanner.failedShards : 0;
    return failed.length > 0 || failedShards > 0 ? 1 : 0;
  }
}

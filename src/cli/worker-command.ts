/**
 * `wasmap worker`: runs until SIGINT/SIGTERM, then lets its running shards
 * finish (BullMQ's close waits for them) and leaves; a second signal leaves
 * at once (the shards' locks expire and other workers take them).
 */
import { forTerminal } from '../report/terminal-text.js';
import { intOption } from './options.js';
import { exitCodeForSignal, reportFatal } from './fatal.js';

export async function runWorkerCommand(opts: Record<string, unknown>): Promise<number> {
  const say = (m: string): void => void process.stderr.write(`wasmap worker: ${forTerminal(m)}\n`);
  try {
    const { parseQueueUrl } = await import('../distributed/queue-url.js');
    const queue = parseQueueUrl(String(opts.queue));
    const concurrency = intOption('--concurrency', opts.concurrency as string | undefined, 2, 1, 1024);
    const workers = opts.workers !== undefined ? intOption('--workers', opts.workers as string, 1, 0, 256) : undefined;
    const lockMs = intOption('--lock-ms', opts.lockMs as string | undefined, 30_000, 1000, 3_600_000);
    const { startWorker } = await import('../distributed/shard-worker.js');
    const { VERSION } = await import('../distributed/protocol.js');
    const quiet = !!opts.quiet;
    const w = await startWorker({
      queue,
      concurrency,
      workers,
      lockMs,
      onShard: (s) => {
        if (s.status === 'failed') say(`scan ${s.scanId} shard ${s.n} failed: ${s.error}`);
        else if (!quiet && s.status === 'done') say(`scan ${s.scanId} shard ${s.n} done: ${s.probes} probes, ${s.open} open, ${s.ms} ms`);
      },
      onNote: (m) => say(m),
    });
    if (!quiet) say(`${w.id} (wasmap ${VERSION}) takes shards from ${queue.display}, ${concurrency} at a time`);
    const sig = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    const again = (s: NodeJS.Signals): never => process.exit(exitCodeForSignal(s));
    process.once('SIGINT', again);
    process.once('SIGTERM', again);
    if (!quiet) say(`${sig}: finishing the running shards, then leaving`);
    await w.close();
    return 0;
  } catch (e) {
    return reportFatal(e);
  }
}

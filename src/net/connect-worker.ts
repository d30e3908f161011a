/** Worker-thread entry of the connect scanner: one shard per worker. */
import { parentPort, workerData } from 'node:worker_threads';
import { runShard } from './shard-runner.js';
import type { ConnectJob, MainMessage, WorkerMessage } from './connect-job.js';

const post = (m: WorkerMessage): void => parentPort!.postMessage(m);
try {
  const run = runShard(workerData as ConnectJob, post);
  parentPort!.on('message', (m: MainMessage) => {
    if (m.type === 'stop') run.stop();
  });
  run.done.catch((e: unknown) => post({ type: 'fatal', message: e instanceof Error ? e.message : String(e) }));
} catch (e) {
  post({ type: 'fatal', message: e instanceof Error ? e.message : String(e) });
}

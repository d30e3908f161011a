/** Prints `wasmap scan status ID`; exit 0 (done), 1 (some shard failed), 3 (still running or waiting). */
import { forTerminal } from '../report/terminal-text.js';
import { scanStatus } from '../distributed/scan-status.js';

export async function printScanStatus(scanId: string, queue: string): Promise<number> {
  const s = await scanStatus(scanId, queue);
  const total = s.plan.tiles.length;
  const lines = [
    `scan ${scanId} (wasmap ${s.plan.version}, started ${s.plan.createdAt})`,
    `  ${s.plan.command}`,
    `  shards ${total}: ${s.done} done, ${s.running} running, ${s.waiting} waiting, ${s.failed.length} failed`,
    ...s.failed.map((f) => `  shard ${f.shard} failed: ${f.error}`),
  ];
  process.stdout.write(`${lines.map(forTerminal).join('\n')}\n`);
  if (s.failed.length > 0) return 1;
  return s.done === total ? 0 : 3;
}

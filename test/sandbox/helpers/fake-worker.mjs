// A stand-in worker speaking the pool's wire protocol (src/sandbox/wire.ts)
// without any wasm, so the pool's recovery can be tested deterministically.
// The input bytes are a msgpack map of test switches. Each invocation emits
// `{n}` at once, then after `delay` ms is done with data = the worker's
// thread id. `crash` throws in the worker (an unexpected death), only the
// first time when `crashOnce` names a marker file; `spin` busy-loops under
// the heartbeat (the watchdog's case); `hold` names a file: the invocation is
// done only once the test has created it, so "still in flight" is a fact the
// test controls rather than a race against a delay.
import { existsSync, writeFileSync } from 'node:fs';
import { parentPort, workerData, threadId } from 'node:worker_threads';
import { unpack } from 'msgpackr';
const hb = new Float64Array(workerData.heartbeat);
const now = () => performance.timeOrigin + performance.now();
parentPort.on('message', (batch) => {
  for (const m of batch) {
    if (m.t !== 'invoke') continue;
    const c = unpack(m.input.bytes);
    parentPort.postMessage([{ t: 'emit', id: m.id, rec: { n: c.n ?? 0 } }]);
    if (c.crash && !(c.crashOnce && existsSync(c.crashOnce))) {
      if (c.crashOnce) writeFileSync(c.crashOnce, '');
      setTimeout(() => { throw new Error('worker crashed'); }, 20);
    }
    if (c.spin) {
      setTimeout(() => {
        hb[1] = m.id; hb[2] = 100; hb[3] = 0; hb[0] = now();
        for (;;);
      }, 20);
      continue;
    }
    const done = () => {
      const result = { status: 'success', data: threadId, provides: {}, sandbox: { duration_ms: 0, denied: 0, bytes_sent: 0, bytes_received: 0 }, emitted: [], logs: [], produced: true };
      parentPort.postMessage([{ t: 'done', id: m.id, result }]);
    };
    if (c.hold) {
      const poll = setInterval(() => { if (existsSync(c.hold)) { clearInterval(poll); done(); } }, 5);
      continue;
    }
    setTimeout(done, c.delay ?? 200);
  }
});

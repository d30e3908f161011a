/**
 * Adaptive batches from a stream: the first item starts a batch at once, and
 * whatever arrives while that batch is being worked on forms the next one.
 * Streaming stages stay busy without a fixed batch size or a timer.
 */
export async function* drainBatches<T>(source: AsyncIterable<T>, signal: AbortSignal, max = 65536): AsyncGenerator<T[]> {
  const queue: T[] = [];
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const pump = (async () => {
    try {
      for await (const item of source) {
        queue.push(item);
        wake?.();
      }
    } catch (e) {
      failure = e;
    } finally {
      ended = true;
      wake?.();
    }
  })();
  while (!signal.aborted) {
    if (queue.length === 0) {
      if (ended) break;
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
      continue;
    }
    yield queue.splice(0, max);
  }
  await pump;
  if (failure && !signal.aborted) throw failure;
}

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { scan } from '../src/index.js';
import { listen, closedPort, type Listener } from './support/listeners.js';

describe('wasmap as a library', () => {
  let l: Listener;
  let closed: number;
  beforeAll(async () => {
    l = await listen('127.0.0.1', { greet: 'HI\r\n' });
    closed = await closedPort();
  });
  afterAll(() => l.close());

  it('scan() yields the same BinaryEdge-shaped events as the CLI, with one job id', async () => {
    const events = [];
    for await (const ev of scan(['127.0.0.1'], { ports: `${l.port},${closed}`, banner: true, states: ['open', 'closed'] })) events.push(ev);
    const kinds = events.map((e) => `${e.origin.type}:${e.target.port}`).sort();
    expect(kinds).toEqual([`banner:${l.port}`, `portscan:${closed}`, `portscan:${l.port}`].sort());
    expect(new Set(events.map((e) => e.origin.job_id)).size).toBe(1);
    const banner = events.find((e) => e.origin.type === 'banner')!;
    expect(Buffer.from(banner.result.data.banner as Uint8Array).toString()).toBe('HI\r\n');
  });

  it('stops when its signal aborts', async () => {
    const ac = new AbortController();
    const events = [];
    const run = (async () => {
      for await (const ev of scan(['127.0.0.1'], { ports: '1-65535', rate: 2000, skipDiscovery: true, states: ['closed'], signal: ac.signal })) {
        events.push(ev);
        if (events.length === 10) ac.abort();
      }
    })();
    await run;
    expect(events.length).toBeGreaterThanOrEqual(10);
    expect(events.length).toBeLessThan(65535);
  });
});

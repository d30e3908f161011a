import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { scan } from '../src/index.js';
import { listen, closedPort, type Listener } from './support/listeners.js';
// @ts-expect-error plain ESM module with JSDoc types
import { startServices, stopServices } from './support/services.mjs';

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
    for await (const ev of scan(['127.0.0.1'], { profile: 'ports', ports: `${l.port},${closed}`, banner: true, states: ['open', 'closed'] })) events.push(ev);
    const kinds = events.map((e) => `${e.origin.type}:${e.target.port}`).sort();
    expect(kinds).toEqual([`banner:${l.port}`, `portscan:${closed}`, `portscan:${l.port}`].sort());
    expect(new Set(events.map((e) => e.origin.job_id)).size).toBe(1);
    const banner = events.find((e) => e.origin.type === 'banner')!;
    expect(Buffer.from(banner.result.data.banner as Uint8Array).toString()).toBe('HI\r\n');
  });

  it('stops when its signal aborts, and rejects with a typed abort error', async () => {
    const ac = new AbortController();
    const events = [];
    const run = (async () => {
      for await (const ev of scan(['127.0.0.1'], { profile: 'ports', ports: '1-65535', rate: 2000, skipDiscovery: true, states: ['closed'], signal: ac.signal })) {
        events.push(ev);
        if (events.length === 10) ac.abort();
      }
    })();
    await expect(run).rejects.toMatchObject({ code: 'WASMAP_ABORTED' });
    expect(events.length).toBeGreaterThanOrEqual(10);
    expect(events.length).toBeLessThan(65535);
  });

  it('stops the default profile (plugins in flight) on abort without taking its host process down', async () => {
    // a port that accepts and never speaks: service-simple waits on it, so an abort lands mid-detection
    const silent = await listen('127.0.0.1');
    try {
      const ac = new AbortController();
      const events: import('../src/index.js').ScanEvent[] = [];
      const t0 = performance.now();
      let abortedAt = 0;
      const run = (async () => {
        for await (const ev of scan(['127.0.0.1'], { ports: String(silent.port), skipDiscovery: true, signal: ac.signal })) {
          events.push(ev);
          if (ev.origin.module === 'portscan') {
            abortedAt = performance.now();
            ac.abort();
          }
        }
      })();
      await expect(run).rejects.toMatchObject({ code: 'WASMAP_ABORTED' });
      expect(events.filter((e) => e.origin.module === 'portscan').map((e) => e.target.port)).toEqual([silent.port]);
      expect(abortedAt).toBeGreaterThan(t0);
    } finally {
      await silent.close();
    }
  });

  it('runs the bundled plugins with the default profile, as the CLI does', async () => {
    const [redis] = (await startServices(['redis'])) as { port: number }[];
    try {
      const events: import('../src/index.js').ScanEvent[] = [];
      for await (const ev of scan(['127.0.0.1'], { ports: String(redis!.port) })) events.push(ev);
      const of = (type: string) => events.find((e) => e.origin.type === type);
      expect((of('service-simple')?.result.service as { name?: string } | undefined)?.name).toBe('redis');
      expect(of('redis')?.result.status).toBe('success');
      expect((of('misconfig')?.result.findings as { id: string }[]).map((f) => f.id)).toContain('redis-no-auth');
    } finally {
      await stopServices(['redis']);
    }
  });
});

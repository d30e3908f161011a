// Issue #12 item 1: the library's scan() is the CLI's Scanner, so it takes the
// same target-safety options, validates the same way and treats plugins the
// same. Every target here is in 127.0.0.0/8; a listener on 127.0.0.1 counts
// connections, so "nothing sent" is checked, not assumed.
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scan, Scanner, type ScanEvent, type ScanNotice, type ScanOptions, type ScanSummary } from '../src/index.js';
import { listen, type Listener } from './support/listeners.js';

/** Every event and the generator's return value (the summary), or what it rejected with. */
async function collect(targets: string[], opts: ScanOptions): Promise<{ events: ScanEvent[]; summary?: ScanSummary; error?: unknown }> {
  const events: ScanEvent[] = [];
  const it = scan(targets, opts);
  try {
    for (;;) {
      const next = await it.next();
      if (next.done) return { events, summary: next.value };
      events.push(next.value);
    }
  } catch (error) {
    return { events, error };
  }
}

describe('scan() takes the target-safety options of the CLI', () => {
  let l: Listener;
  let connections = 0;
  const dir = mkdtempSync(join(tmpdir(), 'wasmap-lib-'));
  beforeAll(async () => {
    l = await listen('127.0.0.1');
    l.server.on('connection', () => connections++);
  });
  afterAll(async () => {
    await l.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses more addresses than maxTargets with WASMAP_TARGET_TOO_LARGE, sending nothing', async () => {
    const r = await collect(['127.0.0.0/23'], { profile: 'ports', ports: String(l.port), skipDiscovery: true, maxTargets: 256 });
    expect(r.error).toMatchObject({ code: 'WASMAP_TARGET_TOO_LARGE' });
    expect((r.error as Error).message).toMatch(/^targets are 512 addresses, more than 256:/);
    expect(r.events).toEqual([]);
    expect(connections).toBe(0);
  });

  it('refuses a target list file above maxTargets the same way, before anything is sent', async () => {
    const list = join(dir, 'list.txt');
    writeFileSync(list, '127.0.0.0/24\n127.0.1.0/24\n');
    const r = await collect([], { profile: 'ports', inputList: list, ports: String(l.port), skipDiscovery: true, maxTargets: 256 });
    expect(r.error).toMatchObject({ code: 'WASMAP_TARGET_TOO_LARGE' });
    expect(r.events).toEqual([]);
    expect(connections).toBe(0);
  });

  it('with allowLargeScan and dryRun counts the addresses and sends nothing', async () => {
    const r = await collect(['127.0.0.0/23'], { profile: 'ports', ports: String(l.port), maxTargets: 256, allowLargeScan: true, dryRun: true });
    expect(r.error).toBeUndefined();
    expect(r.events).toEqual([]);
    expect(r.summary).toMatchObject({ hosts: 512, ports_probed: 0, open: 0, events: 0 });
    expect(connections).toBe(0);
  });
});

describe('scan() sets up a scan as the CLI does', () => {
  let l: Listener;
  let connections = 0;
  const empty = mkdtempSync(join(tmpdir(), 'wasmap-noplugins-'));
  const saved = process.env.WASMAP_BUNDLED_PLUGINS;
  beforeAll(async () => {
    l = await listen('127.0.0.1');
    l.server.on('connection', () => connections++);
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.WASMAP_BUNDLED_PLUGINS;
    else process.env.WASMAP_BUNDLED_PLUGINS = saved;
  });
  afterAll(async () => {
    await l.close();
    rmSync(empty, { recursive: true, force: true });
  });

  it('validates the DAG before anything runs: a bad option is WASMAP_DAG with its issues, nothing sent', async () => {
    const before = connections;
    await expect(Scanner.prepare(['127.0.0.1'], { profile: 'ports', ports: String(l.port), concurrency: 0 })).rejects.toMatchObject({
      code: 'WASMAP_DAG',
      issues: expect.arrayContaining([expect.objectContaining({ node: 'tcp', message: expect.stringMatching(/"concurrency": 0 is below the minimum 1/) })]),
    });
    const r = await collect(['127.0.0.1'], { profile: 'ports', ports: String(l.port), skipDiscovery: true, timeoutMs: 0 });
    expect(r.error).toMatchObject({ code: 'WASMAP_DAG' });
    expect(r.events).toEqual([]);
    expect(connections).toBe(before);
  });

  it('scans without bundled plugins that were not built, with a notice (the CLI warns the same)', async () => {
    process.env.WASMAP_BUNDLED_PLUGINS = empty;
    const notices: ScanNotice[] = [];
    const r = await collect(['127.0.0.1'], { ports: String(l.port), skipDiscovery: true, onNotice: (n) => notices.push(n) });
    expect(r.error).toBeUndefined();
    expect(r.events.map((e) => `${e.origin.type}:${e.target.port}`)).toEqual([`portscan:${l.port}`]);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ kind: 'missing', message: expect.stringMatching(/^profile 'default' uses bundled plugins that are not available \(service-simple, .*\): scanning without them/) });
  });

  it('refuses a plugin file the user named that does not load, with a typed error, before anything runs', async () => {
    const before = connections;
    const missing = join(empty, 'nope.wasm');
    const r = await collect(['127.0.0.1'], { profile: 'ports', ports: String(l.port), skipDiscovery: true, plugins: [missing] });
    expect(r.error).toMatchObject({ code: 'WASMAP_PLUGIN_LOAD', name: 'PluginsRefusedError', refused: [expect.objectContaining({ source: 'nope.wasm' })] });
    expect(r.events).toEqual([]);
    expect(connections).toBe(before);
  });
});

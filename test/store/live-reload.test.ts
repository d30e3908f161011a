// Issue #13 item 7: a long-running process picks up installs, updates and
// removals without a restart (the store watched, or SIGHUP), and an
// invocation in flight finishes on the version it started with. In-process,
// a real PluginRuntime; the plugin's invocation is held in flight by a
// loopback server that answers only when the test says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PluginRuntime } from '../../src/sandbox/runtime.js';
import type { InvocationTarget } from '../../src/sandbox/types.js';
import { InstalledPlugins, type ReloadReport } from '../../src/store/live-plugins.js';
import { Scanner } from '../../src/scan/scanner.js';
import type { ScanEvent } from '../../src/model/event.js';
import { installInto, MEMCACHED_VERSION, REDIS_VERSION, repack, startKvServer, tamper, tempStore, uninstallFrom, type KvServer, type PackedPlugin, type TempStore } from '../support/store-fixture.js';

/** longer than any test may take: a held invocation ends because the test releases it */
const HOLD_MS = 120_000;

describe('installed plugins reload without a restart', () => {
  let kv: KvServer;
  let runtime: PluginRuntime;
  let target: InvocationTarget;
  // v1 and v2 of one plugin, told apart by what they report: v1 is memcached's code, v2 redis's
  let v1: PackedPlugin;
  let v2: PackedPlugin;
  const stores: TempStore[] = [];
  const open: InstalledPlugins[] = [];
  // installed before anything else: with a listener the signal can never end this process
  const hup = (): void => undefined;
  process.on('SIGHUP', hup);

  /** A live set on a fresh store holding v1, and a way to wait for its next reload report. */
  async function liveStore(): Promise<{ s: TempStore; live: InstalledPlugins; nextChange: () => Promise<ReloadReport>; sha1: string }> {
    const s = tempStore();
    stores.push(s);
    const { sha256: sha1 } = await installInto(s.paths.userDir, v1);
    let waiting: ((r: ReloadReport) => void)[] = [];
    const live = await InstalledPlugins.open(runtime, {
      paths: s.paths,
      watch: true,
      onChange: (r) => {
        const w = waiting;
        waiting = [];
        for (const resolve of w) resolve(r);
      },
      onRefused: () => undefined,
    });
    open.push(live);
    return { s, live, sha1, nextChange: () => new Promise((resolve) => waiting.push(resolve)) };
  }

  beforeAll(async () => {
    kv = await startKvServer();
    target = { ip: '127.0.0.1', port: kv.port, transport: 'tcp' };
    // v1 waits for its reply as long as the test holds it, not its usual 3 s
    v1 = repack('memcached', 'kv-stats', '1.0.0', { transport: 'tcp' }, (m) => {
      const config = m.config as Record<string, Record<string, unknown>>;
      return { config: { ...config, timeout_ms: { ...config.timeout_ms, default: HOLD_MS, max: HOLD_MS } }, limits: { connections: 1 } };
    });
    v2 = repack('redis', 'kv-stats', '2.0.0', { transport: 'tcp' });
    runtime = new PluginRuntime({ workers: 2, limits: { wall_ms: HOLD_MS } });
    // the Asyncify transforms are made (and cached) here, not while an invocation is held
    for (const p of [v1, v2]) runtime.unload(await runtime.load(p.bytes));
  });
  afterAll(async () => {
    for (const live of open) live.close();
    await runtime?.close();
    await kv?.close();
    for (const s of stores) s.remove();
    process.off('SIGHUP', hup);
  });

  it('an update is swapped in when plugins.lock is replaced; an invocation in flight finishes on v1', async () => {
    const { s, live, nextChange } = await liveStore();
    const old = live.get('kv-stats')!;
    expect(old.manifest.version).toBe('1.0.0');
    kv.hold = true;
    const held = kv.nextHeld();
    const inFlight = runtime.invoke(old, { target });
    await held;

    const changed = nextChange();
    await installInto(s.paths.userDir, v2);
    expect(await changed).toEqual({ added: [], updated: ['kv-stats'], removed: [], refused: [] });
    const now = live.get('kv-stats')!;
    expect(now.manifest.version).toBe('2.0.0');
    expect(live.list()).toEqual([now]);
    const fresh = await runtime.invoke(now, { target });
    expect(fresh).toMatchObject({ status: 'success', data: { redis_version: REDIS_VERSION } });

    kv.release();
    kv.hold = false;
    expect(await inFlight).toMatchObject({ status: 'success', data: { version: MEMCACHED_VERSION } });
  });

  it('a removal takes the plugin out of list(); an invocation in flight still finishes', async () => {
    const { s, live, nextChange } = await liveStore();
    kv.hold = true;
    const held = kv.nextHeld();
    const inFlight = runtime.invoke(live.get('kv-stats')!, { target });
    await held;

    const changed = nextChange();
    await uninstallFrom(s.paths.userDir, 'kv-stats');
    expect(await changed).toEqual({ added: [], updated: [], removed: ['kv-stats'], refused: [] });
    expect(live.list()).toEqual([]);
    expect(live.get('kv-stats')).toBeUndefined();

    kv.release();
    kv.hold = false;
    expect(await inFlight).toMatchObject({ status: 'success', data: { version: MEMCACHED_VERSION } });
  });

  it('SIGHUP reloads: a blob changed on disk (which no watcher sees) is refused with one line', async () => {
    const { s, live, nextChange, sha1 } = await liveStore();
    await tamper(s.paths.userDir, sha1);
    const changed = nextChange();
    process.kill(process.pid, 'SIGHUP');
    const report = await changed;
    expect(report).toMatchObject({ added: [], updated: [], removed: ['kv-stats'] });
    expect(report.refused).toEqual([{ name: 'kv-stats', message: expect.stringMatching(/^installed plugin kv-stats 1\.0\.0 refused: \S+ changed on disk .*; reinstall it$/) }]);
    expect(live.list()).toEqual([]);
  });

  it('consecutive scans of one process run the versions current when each was prepared, on the caller\'s runtime', async () => {
    const { s, live, nextChange } = await liveStore();
    const scanOnce = async (): Promise<ScanEvent[]> => {
      const events: ScanEvent[] = [];
      const scanner = await Scanner.prepare(['127.0.0.1'], {
        ports: String(kv.port),
        bannerTimeoutMs: 300,
        pluginConfig: ['service-simple.timeout_ms=500'],
        installed: live,
        onNotice: () => undefined,
      });
      try {
        await scanner.run({ onEvent: (ev) => events.push(ev) });
      } finally {
        await scanner.close();
      }
      return events.filter((e) => e.origin.type === 'kv-stats');
    };
    expect((await scanOnce()).map((e) => e.result)).toMatchObject([{ status: 'success', data: { version: MEMCACHED_VERSION } }]);
    const changed = nextChange();
    await installInto(s.paths.userDir, v2);
    await changed;
    // the Scanner left the runtime open: the next scan runs on it, with v2
    expect((await scanOnce()).map((e) => e.result)).toMatchObject([{ status: 'success', data: { redis_version: REDIS_VERSION } }]);
  });
});

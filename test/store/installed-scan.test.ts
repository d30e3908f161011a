// Issue #13 items 1, 4 and 6: installed plugins run in `wasmap scan` like bundled
// ones, --no-installed leaves them out for one run, and a plugin changed on
// disk or revoked in config.toml is refused at scan time with one line while
// the scan runs on. The CLI (dist/) runs against a loopback server; the store
// is a temp folder made on disk (XDG_DATA_HOME, XDG_CONFIG_HOME, WASMAP_PLUGIN_PATH).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateKeyPair, parseSecretKey, type SecretKey } from '../../src/signing/minisign.js';
import { lockFile } from '../../src/store/paths.js';
import { parseJsonl, runCli } from '../support/cli.js';
import { installInto, MEMCACHED_VERSION, REDIS_VERSION, repack, startKvServer, tamper, tempStore, type KvServer, type PackedPlugin, type TempStore } from '../support/store-fixture.js';

describe('installed plugins in wasmap scan', () => {
  let kv: KvServer;
  let kvStats: PackedPlugin;
  let redis9: PackedPlugin;
  const stores: TempStore[] = [];
  const publisher = generateKeyPair();
  const key: SecretKey = parseSecretKey(publisher.secretKeyText);

  /** kv-stats (a re-packed memcached, signed by a trusted publisher) in the user store, redis 9.0.0 in the system store */
  async function store(config = ''): Promise<{ s: TempStore; kvSha: string; redisSha: string }> {
    const s = tempStore();
    stores.push(s);
    const kvEntry = await installInto(s.paths.userDir, kvStats, { publisher: 'Example Org', key });
    const redisEntry = await installInto(s.systemDir, redis9);
    mkdirSync(dirname(s.paths.configFile), { recursive: true });
    writeFileSync(s.paths.configFile, `[[trusted_publishers]]\nname = "Example Org"\nkey = "${publisher.publicKeyText.trim().split('\n').pop()}"\n${config}`);
    return { s, kvSha: kvEntry.sha256, redisSha: redisEntry.sha256 };
  }

  const scan = (s: TempStore, ...extra: string[]) =>
    runCli(['scan', '127.0.0.1', '-p', String(kv.port), '-f', 'jsonl', '--banner-timeout', '300', '--plugin-config', 'service-simple.timeout_ms=500', ...extra], { env: s.env });
  const resultsOf = (stdout: string, type: string) => parseJsonl(stdout).filter((e) => e.origin?.type === type && e.target?.port === kv.port);
  const openPort = (stdout: string) => parseJsonl(stdout).some((e) => e.origin?.type === 'portscan' && e.target?.port === kv.port && e.result?.data?.state?.state === 'open');

  beforeAll(async () => {
    kv = await startKvServer();
    kvStats = repack('memcached', 'kv-stats', '1.0.0', { transport: 'tcp' });
    redis9 = repack('redis', 'redis', '9.0.0', { transport: 'tcp' });
  });
  afterAll(async () => {
    await kv?.close();
    for (const s of stores) s.remove();
  });

  it('runs installed plugins where their match (any TCP port) applies, an installed redis in the bundled one\'s place; --no-installed leaves them out', async () => {
    const { s } = await store();
    const r = await scan(s);
    expect(r.stderr).not.toMatch(/refused/);
    expect(r.code).toBe(0);
    const [kvEvent] = resultsOf(r.stdout, 'kv-stats');
    expect(kvEvent?.result).toMatchObject({ status: 'success', data: { version: MEMCACHED_VERSION } });
    expect(resultsOf(r.stdout, 'redis')[0]?.result).toMatchObject({ status: 'success', data: { redis_version: REDIS_VERSION } });
    expect(r.stderr).toMatch(/installed plugin redis 9\.0\.0 replaces the bundled one/);

    const off = await scan(s, '--no-installed');
    expect(off.code).toBe(0);
    expect(openPort(off.stdout)).toBe(true);
    expect(parseJsonl(off.stdout).filter((e) => e.origin.type === 'kv-stats')).toEqual([]);
    expect(off.stderr).not.toMatch(/installed/);
  });

  it('a --plugin file of the same name wins over the installed plugin', async () => {
    const { s } = await store();
    const file = join(s.root, 'kv-stats.wasm');
    writeFileSync(file, repack('redis', 'kv-stats', '2.0.0', { transport: 'tcp' }).bytes);
    const r = await scan(s, '--plugin', file);
    expect(r.code).toBe(0);
    expect(resultsOf(r.stdout, 'kv-stats').map((e) => e.result)).toMatchObject([{ status: 'success', data: { redis_version: REDIS_VERSION } }]);
    expect(r.stderr).toContain(`plugin kv-stats from ${file} takes the place of the installed one`);
  });

  it('refuses a plugin changed on disk with one line, and the scan runs on without it (exit 2 with --strict-plugins)', async () => {
    const { s, kvSha } = await store();
    await tamper(s.paths.userDir, kvSha);
    const r = await scan(s);
    expect(r.code).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => /refused/.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^wasmap: installed plugin kv-stats 1\.0\.0 refused: \S+ changed on disk \(sha256 [0-9a-f]{16}…, installed [0-9a-f]{16}…\); reinstall it$/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // the refusal is in the output too, and everything else is still there
    const events = parseJsonl(r.stdout);
    expect(events.find((e) => e.origin.type === 'kv-stats')?.result).toMatchObject({ status: 'load-error', error: expect.stringMatching(/changed on disk/) });
    expect(resultsOf(r.stdout, 'redis')[0]?.result).toMatchObject({ status: 'success' });
    expect(openPort(r.stdout)).toBe(true);

    const strict = await scan(s, '--strict-plugins');
    expect(strict.code).toBe(2);
    expect(strict.stderr).toMatch(/installed plugin kv-stats 1\.0\.0 refused: .*changed on disk/);
  });

  it('refuses a plugin whose sha256 or publisher key is revoked in config.toml, one line each', async () => {
    const s0 = await store();
    const keyId = key.keyId;
    const { s } = await store(`[revoked]\nkeys = ["${keyId}"]\nsha256 = ["${s0.redisSha}"]\n`);
    const r = await scan(s);
    expect(r.code).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => /refused/.test(l));
    expect(lines.sort()).toEqual([
      `wasmap: installed plugin kv-stats 1.0.0 refused: its publisher's key ${keyId} (Example Org) is revoked in config.toml`,
      `wasmap: installed plugin redis 9.0.0 refused: its sha256 ${s0.redisSha.slice(0, 16)}… is revoked in config.toml`,
    ]);
    expect(parseJsonl(r.stdout).filter((e) => e.origin.type === 'kv-stats').map((e) => e.result.status)).toEqual(['load-error']);
    expect(openPort(r.stdout)).toBe(true);
  });

  it('stops on a broken plugins.lock with one line, exit 2, before anything is sent', async () => {
    const { s } = await store();
    writeFileSync(lockFile(s.paths.userDir), '{"lockfileVersion": 1, "plugins": ');
    const before = kv.connections;
    const r = await scan(s);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/plugins\.lock is not valid JSON/);
    expect(kv.connections).toBe(before);
    expect(r.stdout).toBe('');
  });
});

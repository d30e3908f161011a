/**
 * A worker's own plugin-store policy on top of the hash check: with
 * `require_signature = true` in its config.toml it runs a coordinator's
 * plugin only when the signature that travels in the plan is by a publisher
 * it trusts and verifies over the bytes; otherwise the shard fails with that
 * one line, and the coordinator reports it.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readPluginManifest } from '../../src/sandbox/plugin.js';
import { formatClaim } from '../../src/signing/plugin-claim.js';
import { generateKeyPair, parseSecretKey, signData } from '../../src/signing/minisign.js';
import { sha256Hex } from '../../src/store/installed.js';
import { parseJsonl } from '../support/cli.js';
import { RedisInstance } from '../support/redis-instance.js';
// @ts-expect-error plain ESM module with JSDoc types
import { startServices, stopServices } from '../support/services.mjs';
import { queuedScan, startWorker, wasmap, type Proc, endAll } from './cluster.js';

// worker and coordinator processes load every plugin (a cold Asyncify cache on a fresh clone under load takes a while)
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const tmp = mkdtempSync(join(tmpdir(), 'wasmap-worker-policy-'));
const plugin = join(tmp, 'redis.wasm');
let redis: RedisInstance;
let redisPort: number;
let publisherKey: string;
const procs: Proc[] = [];

/** A config home whose config.toml requires signatures and trusts `keys`. */
function configHome(name: string, keys: string[]): string {
  const dir = join(tmp, name);
  mkdirSync(join(dir, 'wasmap'), { recursive: true });
  writeFileSync(join(dir, 'wasmap/config.toml'), `require_signature = true\n${keys.map((k) => `\n[[trusted_publishers]]\nname = "publisher"\nkey = "${k}"\n`).join('')}`);
  return dir;
}

beforeAll(async () => {
  redis = await RedisInstance.start();
  [{ port: redisPort }] = (await startServices(['redis'])) as { port: number }[];
  // the bundled redis plugin, given as a file and signed by a publisher key made here
  copyFileSync(fileURLToPath(new URL('../../dist/plugins/redis.wasm', import.meta.url)), plugin);
  const bytes = readFileSync(plugin);
  const { manifest } = readPluginManifest(bytes);
  const pair = generateKeyPair();
  publisherKey = pair.publicKeyText.trim().split('\n').pop()!.trim();
  const secret = parseSecretKey(pair.secretKeyText);
  writeFileSync(`${plugin}.minisig`, signData(bytes, secret, { trustedComment: formatClaim({ name: manifest.name, version: manifest.version, sha256: sha256Hex(bytes) }) }));
}, 120_000);

afterEach(async () => {
    await endAll();
  await Promise.all(procs.splice(0).map((p) => p.end()));
});

afterAll(async () => {
  await stopServices(['redis']);
  await redis?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('a worker with require_signature in its config.toml', () => {
  it('runs the plugin signed by a publisher it trusts', async () => {
    const w = await startWorker(redis.url, [], { XDG_CONFIG_HOME: configHome('trusting', [publisherKey]) });
    procs.push(w.p);
    const c = wasmap(['scan', '127.0.0.1', '-p', String(redisPort), '--skip-discovery', '--plugin', plugin, '--queue', redis.url, '--attempts', '1', '-f', 'jsonl']);
    procs.push(c);
    await queuedScan(c);
    const { code } = await c.exited;
    expect(code, c.stderr).toBe(0);
    const ev = parseJsonl(c.stdout).find((e) => e.origin.type === 'redis');
    expect(ev?.result.status, c.stdout).toBe('success');
  });

  it('refuses it when it does not trust the key: the shard fails with that one line', async () => {
    const w = await startWorker(redis.url, [], { XDG_CONFIG_HOME: configHome('distrusting', []) });
    procs.push(w.p);
    const c = wasmap(['scan', '127.0.0.1', '-p', String(redisPort), '--skip-discovery', '--plugin', plugin, '--queue', redis.url, '--attempts', '1', '-f', 'jsonl']);
    procs.push(c);
    await queuedScan(c);
    const { code } = await c.exited;
    expect(code, c.stderr).toBe(1);
    expect(c.stderr).toMatch(/warning: shard 0 failed for good: plugin redis \S+: signed by key [0-9A-F]{16}, which this worker does not trust/);
    expect(parseJsonl(c.stdout).filter((e) => e.origin.type === 'portscan')).toEqual([]);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packManifest } from '../../../src/authoring/pack.js';
import { readPluginToml } from '../../../src/authoring/plugin-toml.js';
import type { LoadedPlugin, PluginRuntime } from '../../../src/sandbox/index.js';
// @ts-expect-error plain ESM build script (JSDoc, no .d.ts)
import { buildPlugin } from '../../../sdk/assemblyscript/scripts/build.mjs';
// @ts-expect-error plain ESM module with JSDoc types
import { startServices, stopServices } from '../../../test/support/services.mjs';
import { tempDir, testRuntime } from '../../../test/sandbox/helpers/fixtures.js';
import { closedPort as freePort } from '../../../test/support/listeners.js';

const here = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const NAMES = ['ssh', 'redis', 'memcached', 'telnet'];
const PROBES: Record<string, string> = { redis: 'INFO server\r\n', 'redis-auth': 'INFO server\r\n', memcached: 'version\r\n' };

interface Running { name: string; host: string; port: number }
interface Finding { id: string; title: string; severity: string; evidence?: string; cve?: string[] }

function grab(port: number, probe?: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect(port, '127.0.0.1', () => {
      if (probe) sock.write(probe);
    });
    const done = (): void => {
      sock.destroy();
      resolve(new Uint8Array(Buffer.concat(chunks)));
    };
    const timer = setTimeout(done, 800);
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('error', (e) => {
      clearTimeout(timer);
      if (chunks.length) done();
      else reject(e);
    });
  });
}


/** A second, password-protected redis-server of our own (services.mjs runs an open one). */
async function startAuthRedis(): Promise<{ port: number; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', 'wasmap-secret',
    '--save', '', '--appendonly', 'no', '--dir', tempDir('redis-auth'), '--protected-mode', 'yes'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const b = await grab(port, 'PING\r\n').catch(() => undefined);
    if (b && Buffer.from(b).toString().startsWith('-NOAUTH')) return { port, proc };
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGKILL');
  throw new Error('password-protected redis did not start');
}

describe('the exposure-evaluator example plugin, on what a scan of real daemons finds', () => {
  let rt: PluginRuntime;
  let evaluator: LoadedPlugin;
  let analyzer: LoadedPlugin;
  let authRedis: { port: number; proc: ChildProcess } | undefined;
  const ports = new Map<string, number>();
  let context: Record<string, unknown[]>;

  beforeAll(async () => {
    const out = tempDir('exposure');
    const build = async (dir: string, name: string): Promise<Uint8Array> =>
      ((await buildPlugin(dir, { readPluginToml, packManifest, outFile: join(out, `${name}.wasm`) })) as { wasm: Uint8Array }).wasm;
    rt = testRuntime({ workers: 1 });
    evaluator = await rt.load(await build(here, 'exposure-evaluator'));
    analyzer = await rt.load(await build(join(here, '..', 'banner-analyzer'), 'banner-analyzer'));
    for (const s of (await startServices(NAMES)) as Running[]) ports.set(s.name, s.port);
    authRedis = await startAuthRedis();
    ports.set('redis-auth', authRedis.port);
    // what the engine gathers for one host: open ports, banners, and the detection plugin's fingerprints
    context = { open_ports: [], banners: [], service_fingerprints: [], plugin_results: [] };
    for (const [name, port] of ports) {
      context.open_ports!.push({ ip: '127.0.0.1', port, transport: 'tcp', reason: 'syn-ack' });
      const banner = await grab(port, PROBES[name]);
      context.banners!.push({ ip: '127.0.0.1', port, banner, method: PROBES[name] ? 'probe' : 'passive' });
      const r = await rt.invoke(analyzer, { target: { ip: '127.0.0.1', port, transport: 'tcp' }, context: { banner } });
      if (r.service) context.service_fingerprints!.push({ ip: '127.0.0.1', port, transport: 'tcp', service: r.service, source: 'banner-analyzer' });
    }
  });
  afterAll(async () => {
    authRedis?.proc.kill('SIGTERM');
    await rt?.close();
    await stopServices(NAMES);
  });

  const evaluate = (config: Record<string, unknown> = {}) =>
    rt.invoke(evaluator, { config, context: { asset: { ip: '127.0.0.1' }, ...context } });

  it('reports telnet, the open Redis and memcached, and the OpenSSH the banner-analyzer named', async () => {
    const fps = context.service_fingerprints as { port: number; service: { name: string; version?: string } }[];
    const sshVersion = fps.find((f) => f.port === ports.get('ssh'))!.service.version!;
    expect(sshVersion).toMatch(/^\d+\.\d+p\d+$/);
    const r = await evaluate();
    expect(r.status).toBe('success');
    const findings = r.findings as Finding[];
    const byId = (id: string): Finding[] => findings.filter((f) => f.id === id);
    expect(byId('telnet-exposed')).toEqual([{ id: 'telnet-exposed', title: 'Telnet service exposed', severity: 'high', evidence: `port ${ports.get('telnet')}: telnet option negotiation in the banner` }]);
    const redisBanner = Buffer.from((context.banners as { port: number; banner: Uint8Array }[]).find((b) => b.port === ports.get('redis'))!.banner).toString();
    const redisVersionLine = /redis_version:[^\r\n]+/.exec(redisBanner)![0];
    expect(byId('redis-no-auth')).toEqual([{ id: 'redis-no-auth', title: 'Redis reachable without authentication', severity: 'high', evidence: `port ${ports.get('redis')} answered without AUTH: ${redisVersionLine}` }]);
    expect(byId('memcached-no-auth')).toHaveLength(1);
    expect(byId('memcached-no-auth')[0]!.evidence).toMatch(new RegExp(`^port ${ports.get('memcached')} answered: VERSION \\d+\\.\\d+\\.\\d+$`));
    const ssh = byId('openssh-outdated');
    expect(ssh).toHaveLength(1);
    expect(ssh[0]).toMatchObject({ title: `OpenSSH ${sshVersion} is older than 9.8p1`, severity: 'medium', cve: ['CVE-2024-6387'] });
    // the password-protected redis answered -NOAUTH: nothing to report there
    expect(findings.filter((f) => f.evidence?.startsWith(`port ${ports.get('redis-auth')} `))).toEqual([]);
    expect(findings).toHaveLength(4);
    expect(r.data).toEqual({ ip: '127.0.0.1', ports_checked: 5, findings: 4 });
  });

  it('honours min_openssh_version and ignore_ports from its config', async () => {
    const fps = context.service_fingerprints as { port: number; service: { version?: string } }[];
    const sshVersion = fps.find((f) => f.port === ports.get('ssh'))!.service.version!;
    const r = await evaluate({ min_openssh_version: sshVersion, ignore_ports: [ports.get('telnet')] });
    const ids = (r.findings as Finding[]).map((f) => f.id).sort();
    expect(ids).toEqual(['memcached-no-auth', 'redis-no-auth']);
    expect(r.data).toMatchObject({ ports_checked: 4, findings: 2 });
    // an older minimum than the installed version, by one patch level, still passes it
    const older = await evaluate({ min_openssh_version: sshVersion.replace(/p(\d+)$/, (_m, n: string) => `p${Math.max(0, Number(n) - 1)}`) });
    expect((older.findings as Finding[]).some((f) => f.id === 'openssh-outdated')).toBe(false);
    const newer = await evaluate({ min_openssh_version: sshVersion.replace(/p(\d+)$/, (_m, n: string) => `p${Number(n) + 1}`) });
    expect((newer.findings as Finding[]).some((f) => f.id === 'openssh-outdated')).toBe(true);
  });

  it('finds nothing on a host with no open ports', async () => {
    const r = await rt.invoke(evaluator, { context: { asset: { ip: '127.0.0.2' }, open_ports: [], banners: [], service_fingerprints: [], plugin_results: [] } });
    expect(r.status).toBe('success');
    expect(r.findings).toBeUndefined();
    expect(r.data).toEqual({ ip: '127.0.0.2', ports_checked: 0, findings: 0 });
  });
});

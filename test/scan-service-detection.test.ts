import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, parseJsonl } from './support/cli.js';
import { listen } from './support/listeners.js';
// @ts-expect-error plain ESM module with JSDoc types
import { startServices, stopServices } from './support/services.mjs';

const SERVICES = ['ssh', 'redis', 'ftp'];

describe('wasmap scan: the default profile runs the bundled plugins', () => {
  let ports: Record<string, number> = {};
  beforeAll(async () => {
    const running: { name: string; port: number }[] = await startServices(SERVICES);
    ports = Object.fromEntries(running.map((s) => [s.name, s.port]));
  });
  afterAll(() => stopServices(SERVICES));
  const list = (): string => SERVICES.map((s) => ports[s]).join(',');

  it('names each service, then runs the protocol plugin for it on its unusual port', async () => {
    const r = await runCli(['scan', '127.0.0.1', '-p', list(), '-f', 'jsonl', '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const events = parseJsonl(r.stdout);
    const by = (type: string, port: number) => events.find((e) => e.origin.type === type && e.target.port === port);
    // service-simple identifies all three
    expect(by('service-simple', ports.ssh!)?.result.service).toMatchObject({ name: 'ssh', product: 'OpenSSH' });
    expect(by('service-simple', ports.redis!)?.result.service).toMatchObject({ name: 'redis' });
    expect(by('service-simple', ports.ftp!)?.result.service).toMatchObject({ name: 'ftp', product: 'vsftpd' });
    // the protocol plugins match by service name, so they run on 27xxx ports too
    const redisVersion = /v=([\d.]+)/.exec(spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout)![1];
    expect(by('redis', ports.redis!)?.result.data.redis_version).toBe(redisVersion);
    expect(by('ftp', ports.ftp!)?.result.data.anonymous).toBe(true);
    expect(by('ssh', ports.ssh!)?.result.data.algorithms.kex.length).toBeGreaterThan(0);
    // and nothing runs where it does not match: no redis plugin on the ssh port
    expect(by('redis', ports.ssh!)).toBeUndefined();
  });

  it('prints a table that says what runs on each port, what each plugin saw, and the findings under their port', async () => {
    const r = await runCli(['scan', '127.0.0.1', '-p', list(), '-f', 'table', '-q']);
    expect(r.code, r.stderr).toBe(0);
    // one block per port: from its row to the next row
    const block = (port: number): string => {
      const m = new RegExp(`^  ${port}/tcp .*\\n(?:^ {10,}.*\\n)*`, 'm').exec(r.stdout);
      expect(m, `no row for ${port} in:\n${r.stdout}`).not.toBeNull();
      return m![0];
    };
    const sshVersion = /OpenSSH_([\w.]+)/.exec(spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr)![1];
    const redisVersion = /v=([\d.]+)/.exec(spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout)![1];
    expect(block(ports.ssh!)).toMatch(new RegExp(`^  ${ports.ssh}/tcp\\s+open\\s+syn-ack\\s+ssh OpenSSH ${sshVersion}`));
    expect(block(ports.redis!)).toMatch(new RegExp(`redis Redis ${redisVersion.replace(/\./g, '\\.')}`));
    expect(block(ports.ftp!)).toMatch(/ftp vsftpd \d/);
    // each protocol plugin's summary line sits under its port
    expect(block(ports.ssh!)).toMatch(/^ +ssh: /m);
    expect(block(ports.redis!)).toMatch(/^ +redis: /m);
    expect(block(ports.ftp!)).toMatch(/^ +ftp: /m);
    // the misconfig evaluator runs per host; its findings land under the port they are about
    expect(block(ports.redis!)).toMatch(/! HIGH .*\(redis-no-auth\)/);
    expect(block(ports.ftp!)).toMatch(/! MEDIUM .*\(ftp-anonymous\)/);
    expect(block(ports.ssh!)).not.toMatch(/redis-no-auth|ftp-anonymous/);
    expect(r.stdout).toMatch(/^  host +misconfig: /m);
  });

  it('runs no plugin with --profile ports, and -sV is the default detection', async () => {
    const bare = parseJsonl((await runCli(['scan', '127.0.0.1', '-p', list(), '--profile', 'ports', '-f', 'jsonl', '-q'])).stdout);
    expect(bare.map((e) => e.origin.type)).toEqual(['portscan', 'portscan', 'portscan']);
    const r = await runCli(['scan', '127.0.0.1', '-p', list(), '-sV', '-v', '-f', 'jsonl']);
    const sv = parseJsonl(r.stdout);
    // -v says what runs where, from each plugin's manifest
    expect(r.stderr).toMatch(/^wasmap: plugin service-simple \(scanner\): tcp: every port$/m);
    expect(r.stderr).toMatch(/^wasmap: plugin redis \(scanner\): tcp: port 6379 or service redis$/m);
    expect(r.stderr).toMatch(/^wasmap: plugin misconfig \(evaluator\): each host, after its ports$/m);
    const types = new Set(sv.map((e) => e.origin.type));
    for (const t of ['portscan', 'banner', 'service-simple', 'ssh', 'redis', 'ftp', 'misconfig']) expect(types).toContain(t);
  });

  it('lets a --plugin named like a bundled one take its place (an author testing a new build)', async () => {
    // the bundled redis plugin, repacked with a manifest that also matches port 6380
    const dir = mkdtempSync(join(tmpdir(), 'wasmap-replace-'));
    const toml = readFileSync(new URL('../plugins-wasm/redis/plugin.toml', import.meta.url), 'utf8').replace(/^ports = \[6379\]$/m, 'ports = [6379, 6380]');
    expect(toml).toContain('ports = [6379, 6380]');
    writeFileSync(join(dir, 'plugin.toml'), toml);
    const packed = await runCli(['plugin', 'pack', new URL('../dist/plugins/redis.wasm', import.meta.url).pathname, join(dir, 'plugin.toml'), '-o', join(dir, 'redis.wasm')]);
    expect(packed.code, packed.stderr).toBe(0);
    const r = await runCli(['scan', '127.0.0.1', '-p', String(ports.redis), '--plugin', join(dir, 'redis.wasm'), '-v', '-f', 'jsonl']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`wasmap: plugin redis from ${join(dir, 'redis.wasm')} replaces the bundled one`);
    expect(r.stderr).toMatch(/^wasmap: plugin redis \(scanner\): tcp: ports 6379,6380 or service redis$/m);
    expect(r.stderr).not.toMatch(/refused/);
    const redis = parseJsonl(r.stdout).filter((e) => e.origin.type === 'redis');
    expect(redis).toHaveLength(1);
    expect(redis[0].result.status).toBe('success');
  });

  it('still scans ports and banners when the bundled plugins are missing, and says so; --strict-plugins refuses', async () => {
    const env = { WASMAP_BUNDLED_PLUGINS: mkdtempSync(join(tmpdir(), 'wasmap-no-plugins-')) };
    const r = await runCli(['scan', '127.0.0.1', '-p', list(), '-f', 'jsonl'], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^wasmap: warning: profile 'default' uses bundled plugins that are not available \(service-simple, .*misconfig\): scanning without them \(run npm run build\)$/m);
    expect(new Set(parseJsonl(r.stdout).map((e) => e.origin.type))).toEqual(new Set(['portscan', 'banner']));
    const strict = await runCli(['scan', '127.0.0.1', '-p', list(), '--strict-plugins'], { env });
    expect(strict.code).toBe(2);
    expect(strict.stderr).toMatch(/^wasmap: error: --strict-plugins: profile 'default' uses bundled plugins that are not available/);
    expect(strict.stdout).toBe('');
  });

  it('uses the user\'s own nmap-service-probes when given with --plugin-config-file, and only then', async () => {
    // an RFB 3.8 greeting (TigerVNC, RealVNC): our own database knows the protocol, not the product
    const vnc = await listen('127.0.0.1', { greet: 'RFB 003.008\n' });
    try {
      const scanVnc = async (...more: string[]) => {
        const r = await runCli(['scan', '127.0.0.1', '-p', String(vnc.port), '-f', 'jsonl', '-q', ...more]);
        expect(r.code, r.stderr).toBe(0);
        return parseJsonl(r.stdout).find((e) => e.origin.type === 'service-simple')!.result.data.service;
      };
      const own = await scanVnc();
      expect(own).toMatchObject({ name: 'vnc', method: 'probe_extraction' });
      expect(own).not.toHaveProperty('source');
      const withNmap = await scanVnc('--plugin-config-file', 'service-simple.nmap_probes=/usr/share/nmap/nmap-service-probes');
      expect(withNmap).toMatchObject({ name: 'vnc', extrainfo: 'protocol 3.8', method: 'probe_matching', source: 'nmap-service-probes' });
    } finally {
      vnc.close();
    }
  });

  it('says unknown, as nmap does, for an open port no probe could name', async () => {
    const silent = await listen('127.0.0.1', 'silent');
    try {
      const r = await runCli(['scan', '127.0.0.1', '-p', String(silent.port), '--plugin-config', 'service-simple.timeout_ms=1000', '-f', 'table', '-q']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^  ${silent.port}/tcp\\s+open\\s+syn-ack\\s+unknown$`, 'm'));
    } finally {
      await silent.close();
    }
  });
});

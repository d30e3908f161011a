import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { runCli, parseJsonl } from './support/cli.js';
// @ts-expect-error plain ESM module with JSDoc types
import { startServices, stopServices } from './support/services.mjs';

const SERVICES = ['ssh', 'redis', 'ftp'];

describe('wasmap scan -sV: the standard profile with the bundled plugins', () => {
  let ports: Record<string, number> = {};
  beforeAll(async () => {
    const running: { name: string; port: number }[] = await startServices(SERVICES);
    ports = Object.fromEntries(running.map((s) => [s.name, s.port]));
  });
  afterAll(() => stopServices(SERVICES));

  it('names each service, then runs the protocol plugin for it on its unusual port', async () => {
    const r = await runCli(['scan', '127.0.0.1', '-p', SERVICES.map((s) => ports[s]).join(','), '-sV', '-f', 'jsonl', '-q']);
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
});

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { runCli, parseJsonl } from './support/cli.js';
// @ts-expect-error plain ESM module with JSDoc types
import { startServices, stopServices } from './support/services.mjs';

const SERVICES = ['ssh', 'http', 'redis', 'ftp'];

describe('banner grabbing against real daemons', () => {
  let ports: Record<string, number> = {};
  beforeAll(async () => {
    const running: { name: string; port: number }[] = await startServices(SERVICES);
    ports = Object.fromEntries(running.map((s) => [s.name, s.port]));
  });
  afterAll(() => stopServices(SERVICES));

  it('reads what sshd and vsftpd say first, and what nginx and redis answer to the probe', async () => {
    const list = SERVICES.map((s) => ports[s]).join(',');
    const r = await runCli(['scan', '127.0.0.1', '-p', list, '--banner', '-f', 'jsonl', '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const banners = new Map(
      parseJsonl(r.stdout)
        .filter((e) => e.origin.type === 'banner')
        .map((e) => [e.target.port, { text: Buffer.from(e.result.data.banner, 'base64').toString('latin1'), method: e.result.data.method }]),
    );
    // The version sshd announces is the one Debian's package installed.
    const v = spawnSync('sshd', ['-V'], { encoding: 'latin1' });
    const sshVersion = /OpenSSH_[\w.]+/.exec(`${v.stdout}${v.stderr}`)?.[0];
    expect(sshVersion).toBeDefined();
    const ssh = banners.get(ports.ssh!);
    expect(ssh?.method).toBe('passive');
    expect(ssh?.text).toMatch(/^SSH-2\.0-OpenSSH_/);
    expect(ssh?.text).toContain(sshVersion);
    expect(banners.get(ports.ftp!)).toMatchObject({ method: 'passive' });
    expect(banners.get(ports.ftp!)?.text).toMatch(/^220[ -]/);
    const http = banners.get(ports.http!);
    expect(http?.method).toBe('probe');
    expect(http?.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(http?.text).toMatch(/Server: nginx/);
    const redis = banners.get(ports.redis!);
    expect(redis?.method).toBe('probe');
    expect(redis?.text).toMatch(/^-ERR /);
  });
});

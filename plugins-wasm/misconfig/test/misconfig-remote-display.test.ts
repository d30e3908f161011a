// misconfig's remote-display checks (remote-display-checks.ts) on a real
// scan through the CLI: an open Xvfb (-ac) and one with access control on
// (-auth), x11vnc without a password and with one. The open ones give
// x11-open-access / vnc-no-auth (high) under their own port, evidence naming
// the field=value that proves it; the locked ones give nothing, and the vnc
// and x11 plugins report no findings of their own.
//   npx vitest run plugins-wasm/misconfig/test/misconfig-remote-display.test.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonl, runCli } from '../../../test/support/cli.js';
import { stopAll, x11vnc, xauthFile, xvfb } from '../../../test/support/remote-display.js';

interface Finding { id: string; title: string; severity: string; evidence?: string; port?: number; transport?: string }

describe('misconfig on real X and VNC servers: x11-open-access and vnc-no-auth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmap-misconfig-display-'));
  const ports = { x11Open: 0, x11Locked: 0, vncOpen: 0, vncLocked: 0 };
  let findings: Finding[] = [];
  let pluginFindings: Finding[] = [];
  let stderr = '';

  beforeAll(async () => {
    const open = await xvfb(['-ac']);
    const locked = await xvfb((n) => ['-auth', xauthFile(dir, n)]);
    ports.x11Open = 6000 + open;
    ports.x11Locked = 6000 + locked;
    ports.vncOpen = await x11vnc(open, '-nopw', '-desktop', 'wasmap-open');
    ports.vncLocked = await x11vnc(open, '-passwd', 'wasmap-secret');
    const r = await runCli(['scan', '127.0.0.1', '-p', Object.values(ports).join(','), '-Pn', '-f', 'jsonl']);
    stderr = r.stderr;
    expect(r.code, r.stderr).toBe(0);
    const events = parseJsonl(r.stdout);
    findings = events.filter((e) => e.origin.type === 'misconfig').flatMap((e) => e.result.findings ?? []);
    pluginFindings = events.filter((e) => e.origin.type === 'vnc' || e.origin.type === 'x11').flatMap((e) => e.result.findings ?? []);
    // every server was seen by its plugin, so an absent finding means "judged safe", not "never looked"
    for (const [plugin, port] of [['x11', ports.x11Open], ['x11', ports.x11Locked], ['vnc', ports.vncOpen], ['vnc', ports.vncLocked]] as const) {
      expect(events.some((e) => e.origin.type === plugin && e.target.port === port && e.result.status === 'success'), `${plugin} on ${port}: ${stderr}`).toBe(true);
    }
  }, 120_000);
  afterAll(() => {
    stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the open X server: x11-open-access, high, under its port, with the proving fields', () => {
    expect(findings.filter((f) => f.id === 'x11-open-access')).toEqual([{
      id: 'x11-open-access', title: 'X server accepts connections without authentication', severity: 'high', port: ports.x11Open, transport: 'tcp',
      evidence: expect.stringMatching(new RegExp(`^plugin x11, port ${ports.x11Open}/tcp: status=success, auth_required=false, vendor=The X\\.Org Foundation, version=\\d+\\.\\d+`)),
    }]);
  });

  it('reports the VNC server without a password: vnc-no-auth, high, under its port, with the desktop name', () => {
    expect(findings.filter((f) => f.id === 'vnc-no-auth')).toEqual([{
      id: 'vnc-no-auth', title: 'VNC server accepts connections without authentication', severity: 'high', port: ports.vncOpen, transport: 'tcp',
      evidence: `plugin vnc, port ${ports.vncOpen}/tcp: auth_required=false, security_types[].name=None, desktop_name=wasmap-open`,
    }]);
  });

  it('reports nothing for the X server with access control nor the VNC server with a password, and the plugins report no findings themselves', () => {
    expect(findings.filter((f) => f.port === ports.x11Locked || f.port === ports.vncLocked)).toEqual([]);
    expect(pluginFindings).toEqual([]);
  });
});

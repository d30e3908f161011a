// The misconfig evaluator on the smb plugin's results from real smbds: the
// default one (signing not required, a public share a null session lists),
// one with SMB1 on and signing mandatory, one with signing mandatory and
// `restrict anonymous = 2` (nothing to report).
//   npx vitest run plugins-wasm/misconfig/test/misconfig-smb.test.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../../../test/support/listeners.js';
import { usePlugin } from '../../../test/support/plugin-harness.js';
// @ts-expect-error plain ESM module with JSDoc types
import { spawnSamba } from '../../../test/support/services/samba.mjs';

interface Finding { id: string; title: string; severity: string; evidence?: string; port?: number; transport?: string }

describe('the misconfig evaluator on the smb plugin\'s results from real smbds', () => {
  const smb = usePlugin('smb', { services: ['smb'] });
  const misconfig = usePlugin('misconfig');
  const dirs: string[] = [];
  const stops: (() => void)[] = [];
  let smb1 = 0;
  let closed = 0;
  const own = async (opts: Record<string, unknown>): Promise<number> => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmap-misconfig-smb-'));
    dirs.push(dir);
    const port = await closedPort();
    stops.push((await spawnSamba({ dir, host: '127.0.0.1', port, ...opts })).stop);
    return port;
  };
  beforeAll(async () => {
    smb1 = await own({ smb1: true, signing: 'mandatory' });
    closed = await own({ signing: 'mandatory', restrictAnonymous: true });
  }, 60_000);
  afterAll(() => {
    for (const stop of stops) stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** Scans `port` with the smb plugin, then runs the evaluator over that one result. */
  const findings = async (port: number): Promise<Finding[]> => {
    const r = await smb.scan(port);
    expect(r.status, r.error).toBe('success');
    const e = await misconfig.invoke({ context: { asset: { ip: '127.0.0.1' }, plugin_results: [
      { plugin: 'smb', ip: '127.0.0.1', port, transport: 'tcp', status: r.status, data: r.data },
    ] } });
    expect(e.status, e.error).toBe('success');
    return ((e.findings as Finding[] | undefined) ?? []).sort((a, b) => a.id.localeCompare(b.id));
  };
  const anonymousShares = (port: number): Finding => ({
    id: 'smb-anonymous-shares', title: 'SMB shares listable anonymously (null session)', severity: 'medium', port, transport: 'tcp',
    evidence: `plugin smb, port ${port}/tcp: anonymous_session=true, shares=2, shares[].name=public`,
  });

  it('the default smbd: signing not required and a share a null session lists, both medium, on the port', async () => {
    const port = smb.service<{ port: number }>('smb').port;
    expect(await findings(port)).toEqual([
      anonymousShares(port),
      { id: 'smb-signing-not-required', title: 'SMB signing not required', severity: 'medium', port, transport: 'tcp',
        evidence: `plugin smb, port ${port}/tcp: signing_required=false, signing_enabled=true, dialect=3.1.1` },
    ]);
  });

  it('SMB1 on, signing mandatory: SMB1 enabled and the anonymous shares, no signing finding', async () => {
    expect(await findings(smb1)).toEqual([
      anonymousShares(smb1),
      { id: 'smb1-enabled', title: 'SMB1 protocol enabled', severity: 'medium', port: smb1, transport: 'tcp',
        evidence: `plugin smb, port ${smb1}/tcp: smb1_enabled=true, smb1_dialect=NT LM 0.12` },
    ]);
  });

  it('signing mandatory and restrict anonymous = 2: no smb finding', async () => {
    expect(await findings(closed)).toEqual([]);
    // and not for want of data: the plugin read the server, whose IPC$ refused the null session
    const d = (await smb.scan(closed)).data as Record<string, unknown>;
    expect(d).toMatchObject({ smb1_enabled: false, signing_required: true, shares_error: 'TREE_CONNECT IPC$: STATUS_ACCESS_DENIED' });
  });
});

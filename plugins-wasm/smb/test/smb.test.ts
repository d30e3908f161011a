import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../../../test/support/listeners.js';
import { loopbackServer, usePlugin } from '../../../test/support/plugin-harness.js';
// @ts-expect-error plain ESM module with JSDoc types
import { SAMBA_NETBIOS_NAME, SAMBA_WORKGROUP, spawnSamba } from '../../../test/support/services/samba.mjs';

interface SmbData {
  dialect: string; dialects: string[]; smb1_enabled: boolean; smb1_dialect?: string;
  signing_enabled: boolean; signing_required: boolean; smb1_signing_enabled?: boolean; smb1_signing_required?: boolean;
  server_guid: string; system_time_ms: number; capabilities: string[]; encryption_cipher?: string;
  native_os?: string; native_lanman?: string; primary_domain?: string;
  ntlm: {
    target_name: string; netbios_computer_name: string; netbios_domain_name: string; dns_computer_name?: string; dns_domain_name?: string;
    os_version: string; ntlm_revision: number; timestamp_ms: number;
  };
  anonymous_session: boolean; anonymous_session_flags?: string[]; anonymous_session_status?: string;
  shares?: { name: string; type: string; special: boolean; comment: string }[]; shares_total?: number; shares_error?: string;
}

/** smbclient's names for the dialects, and the plugin's. */
const DIALECTS: [string, string][] = [['SMB2_02', '2.0.2'], ['SMB2_10', '2.1'], ['SMB3_00', '3.0'], ['SMB3_02', '3.0.2'], ['SMB3_11', '3.1.1']];

function smbclient(port: number, ...args: string[]): { status: number | null; out: string } {
  const r = spawnSync('smbclient', ['-L', '//127.0.0.1', '-p', String(port), '-N', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** What smbclient sees on the same server: the dialects it can pin one by one, SMB1, the share list, and the CHALLENGE it printed at debug level 10. */
/** smbclient pinned to dialect `d` lists the shares. */
const speaks = (port: number, d: string) => smbclient(port, '-m', d, `--option=client min protocol=${d}`).status === 0;

function independent(port: number) {
  const list = smbclient(port, '-d', '10');
  expect(list.status).toBe(0);
  const challenge = list.out.slice(list.out.indexOf('challenge: struct CHALLENGE_MESSAGE'));
  const field = (name: string) => new RegExp(`${name}\\s+: '([^']*)'`).exec(challenge)?.[1];
  const num = (name: string) => Number(new RegExp(`${name}\\s+: \\S+ \\((\\d+)\\)`).exec(challenge)?.[1]);
  const shares = [...list.out.matchAll(/^\t(\S+)\s+(Disk|IPC|Printer)\s+(.*)$/gm)].map((m) => ({ name: m[1], type: m[2]!.toLowerCase(), comment: m[3]!.trim() }));
  return {
    dialects: DIALECTS.filter(([d]) => speaks(port, d)).map(([, ours]) => ours),
    best: DIALECTS.find(([d]) => list.out.includes(`negotiated dialect[${d}]`))?.[1],
    smb1: speaks(port, 'NT1'),
    shares,
    ntlm: {
      target_name: field('TargetName'), netbios_computer_name: field('AvNbComputerName'), netbios_domain_name: field('AvNbDomainName'),
      dns_computer_name: field('AvDnsComputerName'),
      os_version: `${num('ProductMajorVersion')}.${num('ProductMinorVersion')}.${num('ProductBuild')}`,
    },
  };
}

describe('the smb scanner plugin, on real Samba smbd servers', () => {
  const under = usePlugin('smb', { services: ['smb'] });
  let hardened = 0; // SMB1 on, signing mandatory
  let dir = '';
  const samba = spawnSync('/usr/sbin/smbd', ['--version'], { encoding: 'utf8' }).stdout.trim().replace(/^Version /, 'Samba ');

  let old = 0; // SMB1 only
  const own: { stop: () => void }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wasmap-smb-'));
    hardened = await closedPort();
    own.push(await spawnSamba({ dir: join(dir, 'hardened'), host: '127.0.0.1', port: hardened, smb1: true, signing: 'mandatory' }));
    old = await closedPort();
    own.push(await spawnSamba({ dir: join(dir, 'old'), host: '127.0.0.1', port: old, smb1Only: true }));
  }, 60_000);
  afterAll(() => {
    for (const s of own) s.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is an active scanner for ports 445 and 139 or any port named microsoft-ds, netbios-ssn or smb', () => {
    expect(under.plugin.manifest).toMatchObject({
      name: 'smb', kind: 'scanner', capabilities: ['network'], match: { ports: [445, 139], services: ['microsoft-ds', 'netbios-ssn', 'smb'], transport: 'tcp' },
    });
  });

  it('reads the default server as smbclient does: dialects, SMB1 off, signing not required, the NTLMSSP names, the shares a null session lists', async () => {
    const port = under.service('smb').port;
    const before = Date.now();
    const r = await under.scan(port);
    const after = Date.now();
    const seen = independent(port);
    expect(r.status).toBe('success');
    const d = r.data as SmbData;
    expect(seen.dialects).toEqual(['2.0.2', '2.1', '3.0', '3.0.2', '3.1.1']);
    expect(d.dialects).toEqual(seen.dialects);
    expect(d.dialect).toBe(seen.best);
    expect(seen.smb1).toBe(false);
    expect(d).toMatchObject({ smb1_enabled: false, signing_enabled: true, signing_required: false, anonymous_session: true });
    expect(d.smb1_dialect).toBeUndefined();
    expect(d.ntlm).toMatchObject(seen.ntlm);
    expect(d.ntlm.netbios_computer_name).toBe(SAMBA_NETBIOS_NAME);
    expect(seen.shares).toEqual([
      { name: 'public', type: 'disk', comment: 'wasmap public share' },
      { name: 'IPC$', type: 'ipc', comment: 'IPC Service (wasmap test smbd)' },
    ]);
    expect(d.shares?.map(({ name, type, comment }) => ({ name, type, comment }))).toEqual(seen.shares);
    expect(d.shares?.map((s) => s.special)).toEqual([false, true]);
    expect(d.shares_total).toBe(2);
    // the server's clock is this machine's clock
    expect(d.system_time_ms).toBeGreaterThanOrEqual(before - 5000);
    expect(d.system_time_ms).toBeLessThanOrEqual(after + 5000);
    expect(d.server_guid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(r.summary).toBe(
      `SMB 3.1.1, SMB1 off, signing not required, ${SAMBA_NETBIOS_NAME}\\${SAMBA_NETBIOS_NAME} (NTLM OS version ${seen.ntlm.os_version}), `
      + 'null session accepted, 2 shares listed anonymously (1 not special)',
    );
    expect(r.service).toEqual({ name: 'microsoft-ds', confidence: 1, extrainfo: `dialect 3.1.1; workgroup: ${SAMBA_NETBIOS_NAME}` });
    expect(r.findings ?? []).toEqual([]); // misconfigurations are the misconfig evaluator's
  });

  it('sees SMB1 and mandatory signing on a second smbd, and the product its SMB1 SESSION_SETUP names', async () => {
    const r = await under.scan(hardened);
    const seen = independent(hardened);
    expect(r.status).toBe('success');
    const d = r.data as SmbData;
    expect(seen.smb1).toBe(true);
    expect(d.dialects).toEqual(seen.dialects);
    expect(d).toMatchObject({
      smb1_enabled: true, smb1_dialect: 'NT LM 0.12', signing_enabled: true, signing_required: true,
      smb1_signing_enabled: true, smb1_signing_required: true, native_lanman: samba, primary_domain: SAMBA_WORKGROUP, anonymous_session: true,
    });
    expect(d.ntlm).toMatchObject(seen.ntlm);
    expect(d.shares?.map(({ name, type, comment }) => ({ name, type, comment }))).toEqual(seen.shares);
    expect(r.summary).toBe(
      `SMB 3.1.1, SMB1 on, signing required, ${SAMBA_NETBIOS_NAME}\\${SAMBA_NETBIOS_NAME} (${samba}), null session accepted, 2 shares listed anonymously (1 not special)`,
    );
    expect(r.service).toMatchObject({ name: 'microsoft-ds', product: 'Samba smbd', version: /^Samba ([\d.]+)/.exec(samba)![1] });
  });

  it('reads an SMB1-only smbd through SMB1: NEGOTIATE, the CHALLENGE and the product from SESSION_SETUP_ANDX, the null session and its shares', async () => {
    const r = await under.scan(old);
    const d = r.data as SmbData;
    expect(r.status).toBe('success');
    expect(DIALECTS.filter(([x]) => speaks(old, x))).toEqual([]);
    expect(speaks(old, 'NT1')).toBe(true);
    expect(d.dialect).toBeUndefined();
    expect(d.dialects).toBeUndefined();
    expect(d).toMatchObject({ smb1_enabled: true, smb1_dialect: 'NT LM 0.12', native_lanman: samba, primary_domain: SAMBA_WORKGROUP });
    expect(d.ntlm).toMatchObject({ netbios_computer_name: SAMBA_NETBIOS_NAME, netbios_domain_name: SAMBA_NETBIOS_NAME });
    // Samba's SMB1 signing "default" is off for a standalone server
    expect(d).toMatchObject({ signing_enabled: false, signing_required: false, smb1_signing_required: false });
    // the null session and the share listing over SMB1 (TREE_CONNECT_ANDX, NT_CREATE_ANDX, TransactNmPipe), as smbclient sees them
    const nt1 = smbclient(old, '-m', 'NT1', '--option=client min protocol=NT1');
    expect(nt1.status).toBe(0);
    const seen = [...nt1.out.matchAll(/^\t(\S+)\s+(Disk|IPC|Printer)\s+(.*)$/gm)].map((m) => ({ name: m[1], type: m[2]!.toLowerCase(), comment: m[3]!.trim() }));
    expect(seen.map((x) => x.name)).toEqual(['public', 'IPC$']);
    expect(d.anonymous_session).toBe(true);
    expect(d.shares?.map(({ name, type, comment }) => ({ name, type, comment }))).toEqual(seen);
    expect(d.shares_error).toBeUndefined();
    expect(r.summary).toBe(`SMB1 only, signing not required, ${SAMBA_NETBIOS_NAME}\\${SAMBA_NETBIOS_NAME} (${samba}), null session accepted, 2 shares listed anonymously (1 not special)`);
    expect(r.service).toMatchObject({ name: 'microsoft-ds', product: 'Samba smbd', extrainfo: `SMB1; workgroup: ${SAMBA_NETBIOS_NAME}` });
  });

  it('speaks SMB inside a NetBIOS session when asked: the same findings, named netbios-ssn', async () => {
    const port = under.service('smb').port;
    const direct = await under.scan(port);
    const r = await under.scan(port, { netbios_session: true });
    // Samba answers the session request with a positive response; had the plugin not sent one, or not
    // read its answer, the NEGOTIATE would have met that 0x82 frame and failed
    expect(r.status, r.error).toBe('success');
    const d = r.data as SmbData & { transport: string };
    expect(d.transport).toBe('netbios-session');
    expect((direct.data as { transport: string }).transport).toBe('direct-tcp');
    const same = (x: SmbData) => ({ dialects: x.dialects, smb1: x.smb1_enabled, ntlm: x.ntlm.netbios_computer_name, anon: x.anonymous_session, shares: x.shares?.map((sh) => sh.name) });
    expect(same(d)).toEqual(same(direct.data as SmbData));
    expect(r.summary).toBe(direct.summary!.replace(/^SMB 3\.1\.1/, 'SMB 3.1.1 in a NetBIOS session'));
    expect(r.service).toEqual({ ...direct.service, name: 'netbios-ssn' });
  });

  it('sends the session request by itself on port 139, to a real smbd listening there', async () => {
    const on139 = await spawnSamba({ dir: join(dir, 'netbios'), host: '127.0.0.1', port: 139 });
    try {
      const r = await under.scan(139);
      expect(r.status, r.error).toBe('success');
      expect((r.data as { transport: string }).transport).toBe('netbios-session');
      expect(r.service).toMatchObject({ name: 'netbios-ssn' });
      expect((r.data as SmbData).shares?.map((sh) => sh.name)).toEqual(['public', 'IPC$']);
    } finally {
      on139.stop();
    }
  }, 60_000);

  it('leaves the share list out when list_shares is off', async () => {
    const r = await under.scan(under.service('smb').port, { list_shares: false });
    expect(r.status).toBe('success');
    expect((r.data as SmbData).shares).toBeUndefined();
    expect((r.data as SmbData).anonymous_session).toBe(true);
  });

  it('never traps on a cut stream: every prefix of the server\'s first connection is a success or a protocol-error that keeps what was read', async () => {
    // a loopback relay to the real server that keeps what it sent on the first connection
    const port = under.service('smb').port;
    const stream: Buffer[] = [];
    let n = 0;
    const relay = await loopbackServer((s: Socket) => {
      const first = n++ === 0;
      const up = connect(port, '127.0.0.1');
      s.on('data', (d: Buffer) => up.write(d));
      up.on('data', (d: Buffer) => { if (first) stream.push(d); s.write(d); });
      up.on('end', () => s.end());
      up.on('error', () => s.destroy());
      s.on('close', () => up.destroy());
    });
    let bytes: Buffer;
    try {
      expect((await under.scan(relay.port)).status).toBe('success');
      bytes = Buffer.concat(stream);
    } finally {
      relay.srv.close();
    }
    // the server's bytes up front, whatever the client says, then the end of the stream
    let current = Buffer.alloc(0);
    const replay = await loopbackServer((s: Socket) => { s.resume(); s.end(current); });
    try {
      const frames: number[] = [];
      for (let at = 0; at + 4 <= bytes.length; at += 4 + bytes.readUInt32BE(at)) frames.push(at);
      // 2 NEGOTIATE, 2 SESSION_SETUP, TREE_CONNECT, CREATE, 2 IOCTL (bind, NetrShareEnum), CLOSE, and any interim STATUS_PENDING a slow pipe open sent
      expect(frames.length).toBeGreaterThanOrEqual(9);
      const cuts = new Set<number>([...frames.flatMap((f) => [f, f + 1, f + 4, f + 40, f + 70]), bytes.length - 1]);
      for (let c = 0; c < bytes.length; c += 23) cuts.add(c);
      for (const cut of [...cuts].filter((c) => c >= 0 && c < bytes.length).sort((a, b) => a - b)) {
        current = bytes.subarray(0, cut);
        const r = await under.scan(replay.port, { timeout_ms: 1000 });
        expect({ cut, status: r.status }).toEqual({ cut, status: expect.stringMatching(/^(success|protocol-error)$/) });
        if (cut > frames[2]!) expect({ cut, dialect: (r.data as SmbData).dialect }).toEqual({ cut, dialect: '3.1.1' });
      }
    } finally {
      replay.srv.close();
    }
  }, 120_000);

  describe('servers that are not SMB', () => {
    const answering = async (reply: Buffer | null, config: Record<string, unknown> = {}) => {
      const { srv, port } = await loopbackServer((s: Socket) => {
        s.resume();
        if (reply !== null) s.once('data', () => s.end(reply));
      });
      try {
        return await under.scan(port, { timeout_ms: 500, ...config });
      } finally {
        srv.close();
      }
    };
    const frame = (body: Buffer, length = body.length) => {
      const h = Buffer.alloc(4);
      h.writeUInt32BE(length);
      return Buffer.concat([h, body]);
    };

    it('fails each cleanly, with a protocol-error or io-timeout that says what came, and no data', async () => {
      const cases: [Buffer | null, string, string][] = [
        [Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'), 'protocol-error', 'NetBIOS frame type 0x48 in NEGOTIATE'],
        [Buffer.alloc(0), 'protocol-error', 'connection closed during NEGOTIATE'],
        [frame(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n')), 'protocol-error', 'not an SMB NEGOTIATE response'],
        [frame(Buffer.alloc(8), 0xffffff), 'protocol-error', 'NEGOTIATE of 16777215 bytes is over the cap'],
        [frame(Buffer.from([0xfe, 0x53, 0x4d, 0x42, ...Buffer.alloc(60)])), 'protocol-error', 'not an SMB NEGOTIATE response'],
        [null, 'io-timeout', 'ETIMEDOUT during NEGOTIATE'],
      ];
      for (const [reply, status, error] of cases) {
        const r = await answering(reply);
        expect({ error, got: [r.status, r.error] }).toEqual({ error, got: [status, error] });
        expect(r.data).toBeUndefined();
        expect(r.summary).toBeUndefined();
      }
    });

    it('names the reason when a NetBIOS session is refused, and what came when the answer is no session response', async () => {
      const cases: [Buffer, string][] = [
        [Buffer.from([0x83, 0, 0, 1, 0x82]), 'NetBIOS session refused: called name not present (0x82)'],
        [Buffer.from([0x83, 0, 0, 1, 0x80]), 'NetBIOS session refused: not listening on the called name (0x80)'],
        [Buffer.from([0x84, 0, 0, 6, 127, 0, 0, 1, 0, 139]), 'NetBIOS session retargeted to another address'],
        [frame(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n')), 'NetBIOS frame type 0x0 answering the NetBIOS session request'],
      ];
      for (const [reply, error] of cases) {
        const r = await answering(reply, { netbios_session: true });
        expect({ error, got: [r.status, r.error] }).toEqual({ error, got: ['protocol-error', error] });
        expect(r.data).toBeUndefined();
      }
    });
  });
});

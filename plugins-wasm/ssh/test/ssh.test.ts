// Tests for the ssh scanner plugin: the real Debian sshd from
// test/support/services.mjs (compared with ssh-keygen, sshd -T and dpkg),
// two more real sshd configurations this file starts itself, the parsers on
// every truncated prefix of a real server's bytes and on hostile input, and
// the crypto (MD5, SHA-256, X25519) on the RFC/FIPS test vectors.
//   npx vitest run plugins-wasm/ssh
import { spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { InvocationResult } from '../../../src/sandbox/index.js';
import { tempDir } from '../../../test/sandbox/helpers/fixtures.js';
import { closedPort as freePort } from '../../../test/support/listeners.js';
import { usePlugin } from '../../../test/support/plugin-harness.js';


interface Running { name: string; host: string; port: number; extra: { banner: string; hostKeys: string[] } }
interface Cypher { cypher: string; key: string; fingerprint: string; length?: number }
interface SshData {
  banner: string;
  algorithms: Record<string, string[]>;
  hassh: { hassh: string; hassh_algorithms: string };
  cyphers: Cypher[];
  key_exchange?: string;
  host_keys_error?: string;
}

const sh = (cmd: string, args: string[]): string => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  return `${r.stdout}${r.stderr}`.trim();
};

/** What ssh-keygen says about a .pub file, in the plugin's `cyphers[]` shape. */
function keygen(pub: string): Cypher {
  const [type, key] = readFileSync(pub, 'utf8').trim().split(' ');
  const [bits, fingerprint] = sh('ssh-keygen', ['-lf', pub]).split(' ');
  return { cypher: type!, key: key!, fingerprint: fingerprint!, length: Number(bits) };
}

/** `sshd -T`: the effective configuration, lowercase keys, lists split. */
function sshdT(config: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of sh('/usr/sbin/sshd', ['-T', '-f', config]).split('\n')) {
    const sp = line.indexOf(' ');
    if (sp > 0) out[line.slice(0, sp)] = line.slice(sp + 1).split(',');
  }
  return out;
}

const md5hex = (s: string): string => createHash('md5').update(s).digest('hex');

// ---- SSH wire helpers for capturing a real server's bytes from node ----

const u32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const sshString = (b: Buffer | string): Buffer => { const x = Buffer.from(b); return Buffer.concat([u32(x.length), x]); };
function sshPacket(payload: Buffer): Buffer {
  let pad = 8 - ((payload.length + 5) % 8);
  if (pad < 4) pad += 8;
  return Buffer.concat([u32(payload.length + pad + 1), Buffer.from([pad]), payload, Buffer.alloc(pad)]);
}
function kexinit(lists: string[]): Buffer {
  return Buffer.concat([Buffer.from([20]), randomBytes(16), ...lists.map((l) => sshString(l)), Buffer.from([0]), u32(0)]);
}

/** A packet's total length if `buf` holds it completely from `off`, else 0. */
const packetEnd = (buf: Buffer, off: number): number => (buf.length - off >= 4 && buf.length - off >= 4 + buf.readUInt32BE(off) ? off + 4 + buf.readUInt32BE(off) : 0);

/**
 * The bytes sshd sends for one ssh-ed25519 key exchange, driven by node's
 * own X25519: `greeting` (identification + KEXINIT) and `reply` (the
 * KEX_ECDH_REPLY packet).
 */
function captureServer(port: number): Promise<{ greeting: Buffer; reply: Buffer }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let greetingEnd = 0;
    const timer = setTimeout(() => { s.destroy(); reject(new Error('capture timed out')); }, 5000);
    s.on('error', reject);
    s.write('SSH-2.0-wasmap_test\r\n');
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!greetingEnd) {
        const nl = buf.indexOf('\n');
        if (nl < 0) return;
        const end = packetEnd(buf, nl + 1);
        if (!end) return;
        greetingEnd = end;
        const { publicKey } = generateKeyPairSync('x25519');
        const q = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
        const enc = 'chacha20-poly1305@openssh.com,aes128-ctr';
        s.write(Buffer.concat([
          sshPacket(kexinit(['curve25519-sha256', 'ssh-ed25519', enc, enc, 'hmac-sha2-256', 'hmac-sha2-256', 'none', 'none', '', ''])),
          sshPacket(Buffer.concat([Buffer.from([30]), sshString(q)])),
        ]));
      }
      const end = packetEnd(buf, greetingEnd);
      if (greetingEnd && end) {
        clearTimeout(timer);
        s.destroy();
        resolve({ greeting: buf.subarray(0, greetingEnd), reply: buf.subarray(greetingEnd, end) });
      }
    });
  });
}

// ---- a second and third real sshd, in configurations of this test's own ----

interface ExtraSshd { proc: ChildProcess; port: number; config: string }

const under = usePlugin('ssh', { services: ['ssh'], harness: true });
let sshd: Running;
beforeAll(() => {
  sshd = under.service<Running>('ssh');
});

/** Stopped by PID after the file (usePlugin's daemon). */
async function startSshd(name: string, lines: string[]): Promise<ExtraSshd> {
  const dir = join(tempDir(`sshd-${name}`));
  // sshd insists on its privilege-separation dir when run as root (as services.mjs does)
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const config = join(dir, 'sshd_config');
  const { proc, port } = await under.daemon('/usr/sbin/sshd', (p) => {
    writeFileSync(config, [`Port ${p}`, 'ListenAddress 127.0.0.1', `PidFile ${join(dir, 'sshd.pid')}`, 'UsePAM no',
      'AllowUsers wasmap-no-such-user', ...lines, ''].join('\n'));
    return ['-D', '-e', '-f', config];
  });
  return { proc, port, config };
}

const scan = under.scan;

async function drive(op: string, cases: unknown[]): Promise<unknown[]> {
  const r = await under.parse({ op, cases });
  if (r.status !== 'success') throw new Error(`harness ${op}: ${r.status} ${r.error ?? ''}`);
  return r.data as unknown[];
}

describe('the ssh plugin on the real Debian sshd', () => {
  let r: InvocationResult;
  let data: SshData;
  beforeAll(async () => {
    r = await scan(sshd.port);
    data = r.data as SshData;
  });

  it('is a network scanner for port 22 and the ssh service', () => {
    expect(under.plugin.manifest).toMatchObject({ name: 'ssh', kind: 'scanner', capabilities: ['network'], match: { ports: [22, 2222], services: ['ssh'] } });
  });

  it('reads the banner and the OpenSSH version and Debian revision dpkg reports', () => {
    // "1:9.2p1-2+deb12u10" → 9.2p1 and Debian-2+deb12u10
    const m = /^(?:\d+:)?([^-]+)-(.+)$/.exec(sh('dpkg-query', ['-W', '-f', '${Version}', 'openssh-server']))!;
    expect(r.status).toBe('success');
    expect(data.banner).toBe(sshd.extra.banner);
    expect(data.banner).toBe(`SSH-2.0-OpenSSH_${m[1]} Debian-${m[2]}`);
    expect(r.service).toEqual({ name: 'ssh', product: 'OpenSSH', version: m[1], extrainfo: `Debian-${m[2]}`, cpe: [`cpe:/a:openbsd:openssh:${m[1]}`], confidence: 1 });
  });

  it('reports the algorithm lists sshd -T says it runs with', () => {
    const t = sshdT(join(sshd.extra.hostKeys[0]!, '..', 'sshd_config'));
    // OpenSSH appends its strict-kex marker (CVE-2023-48795) to the kex list it sends
    expect(data.algorithms.kex).toEqual([...t.kexalgorithms!, 'kex-strict-s-v00@openssh.com']);
    expect(data.algorithms.encryption).toEqual(t.ciphers);
    expect(data.algorithms.mac).toEqual(t.macs);
    expect(data.algorithms.compression).toEqual(['none', 'zlib@openssh.com']);
    // only the algorithms of loaded keys are offered: rsa (two signature hashes), ecdsa, ed25519
    expect(data.algorithms.server_host_key).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ecdsa-sha2-nistp256', 'ssh-ed25519']);
    expect(data.algorithms).not.toHaveProperty('encryption_client_to_server');
  });

  it('computes hasshServer as the MD5 of kex;encryption;mac;compression', () => {
    const a = data.algorithms;
    const s = [a.kex, a.encryption, a.mac, a.compression].map((l) => l!.join(',')).join(';');
    expect(data.hassh).toEqual({ hassh: md5hex(s), hassh_algorithms: s });
  });

  it('fetches every host key with the type, blob, bits and SHA256 fingerprint ssh-keygen -lf prints', () => {
    expect(data.key_exchange).toBe('curve25519-sha256');
    expect(data.host_keys_error).toBeUndefined();
    const want = sshd.extra.hostKeys.map(keygen);
    expect(want.map((c) => c.length)).toEqual([3072, 256, 256]);
    expect([...data.cyphers].sort((a, b) => a.cypher.localeCompare(b.cypher))).toEqual([...want].sort((a, b) => a.cypher.localeCompare(b.cypher)));
  });

  it('sums up the software, the host key types it fetched and hasshServer in one line', () => {
    const short = (c: Cypher): string => (c.cypher === 'ssh-rsa' ? `rsa ${c.length}` : c.cypher.startsWith('ecdsa-') ? 'ecdsa' : c.cypher.replace(/^ssh-/, ''));
    expect(r.summary).toBe(`${sshd.extra.banner.replace(/^SSH-2\.0-/, '')}; keys ${data.cyphers.map(short).join(', ')}; hassh ${data.hassh.hassh}`);
    expect(r.summary).toMatch(/; keys (ed25519|ecdsa|rsa 3072)(, (ed25519|ecdsa|rsa 3072)){2}; /);
  });

  it('reports only the algorithms when host_keys is 0', async () => {
    const r0 = await scan(sshd.port, { host_keys: 0 });
    expect(r0.status).toBe('success');
    expect(r0.summary).toBe(r.summary!.replace(/; keys [^;]+;/, '; keys rsa, ecdsa, ed25519 (offered, not fetched);'));
    expect((r0.data as SshData).cyphers).toEqual([]);
    expect((r0.data as SshData).algorithms).toEqual(data.algorithms);
    expect(r0.sandbox.bytes_sent).toBe('SSH-2.0-wasmap_0.1\r\n'.length);
  });
});

describe('the ssh plugin on sshd configurations of its own', () => {
  it('fetches the one ed25519 key of an sshd restricted to curve25519, AES-GCM and one key', async () => {
    const key = sshd.extra.hostKeys[2]!.replace(/\.pub$/, '');
    const e = await startSshd('ed25519', [`HostKey ${key}`, 'KexAlgorithms curve25519-sha256', 'Ciphers aes256-gcm@openssh.com', 'MACs hmac-sha2-256', 'Compression no']);
    const r = await scan(e.port);
    const d = r.data as SshData;
    expect(r.status).toBe('success');
    expect(d.algorithms).toEqual({
      kex: ['curve25519-sha256', 'kex-strict-s-v00@openssh.com'],
      server_host_key: ['ssh-ed25519'],
      encryption: ['aes256-gcm@openssh.com'],
      mac: ['hmac-sha2-256'],
      compression: ['none'],
    });
    expect(d.cyphers).toEqual([keygen(`${key}.pub`)]);
  });

  it('reports the algorithms and says why there are no host keys when the server has no curve25519', async () => {
    const key = sshd.extra.hostKeys[1]!.replace(/\.pub$/, '');
    const e = await startSshd('nocurve', [`HostKey ${key}`, 'KexAlgorithms ecdh-sha2-nistp256,diffie-hellman-group14-sha256']);
    const r = await scan(e.port);
    const d = r.data as SshData;
    expect(r.status).toBe('success');
    expect(d.algorithms.kex).toEqual([...sshdT(e.config).kexalgorithms!, 'kex-strict-s-v00@openssh.com']);
    expect(d.algorithms.server_host_key).toEqual(['ecdsa-sha2-nistp256']);
    expect(d.cyphers).toEqual([]);
    expect(d.host_keys_error).toBe('no curve25519-sha256 key exchange offered: host keys not fetched');
    expect(r.summary).toMatch(/; keys ecdsa \(offered, not fetched\); hassh [0-9a-f]{32}$/);
  });
});

describe('the ssh parsers on real and hostile bytes', () => {
  let greeting: Buffer;
  let reply: Buffer;
  beforeAll(async () => {
    ({ greeting, reply } = await captureServer(sshd.port));
  });

  it('parse a real identification and KEXINIT, and call every shorter prefix incomplete', async () => {
    const prefixes = Array.from({ length: greeting.length + 1 }, (_, n) => new Uint8Array(greeting.subarray(0, n)));
    const res = (await drive('greeting', prefixes)) as { status: string; banner?: string; kex?: string[]; next?: number }[];
    expect(res).toHaveLength(greeting.length + 1);
    expect(res[greeting.length]).toMatchObject({ status: 'ok', banner: sshd.extra.banner, next: greeting.length });
    expect(res[greeting.length]!.kex).toContain('curve25519-sha256');
    const nl = greeting.indexOf('\n');
    for (let n = 0; n < greeting.length; n++) {
      expect(res[n]!.status, `prefix of ${n} bytes`).toBe('more');
      // the banner is known (a partial result) exactly once its line is complete
      expect(res[n]!.banner, `prefix of ${n} bytes`).toBe(n > nl ? sshd.extra.banner : undefined);
    }
  });

  it('read the ed25519 host key from a real KEX_ECDH_REPLY, and call every shorter prefix incomplete', async () => {
    const prefixes = Array.from({ length: reply.length + 1 }, (_, n) => new Uint8Array(reply.subarray(0, n)));
    const res = (await drive('reply', prefixes)) as { status: string; type?: string; bits?: number; sha256?: string; key?: string }[];
    const want = keygen(sshd.extra.hostKeys[2]!);
    expect(res[reply.length]).toEqual({ status: 'ok', type: 'ssh-ed25519', bits: 256, sha256: want.fingerprint.slice('SHA256:'.length), key: want.key });
    for (let n = 0; n < reply.length; n++) expect(res[n]!.status, `prefix of ${n} bytes`).toBe('more');
  });

  it('refuse hostile packets, lines and lengths with a reason instead of trapping', async () => {
    const ident = Buffer.from('SSH-2.0-Evil\r\n');
    const kexBody = kexinit(['a', 'b', 'c', 'c', 'd', 'd', 'none', 'none', '', '']);
    const bigList = Buffer.concat([Buffer.from([20]), Buffer.alloc(16), u32(0xffffffff)]);
    const cases: Buffer[] = [
      Buffer.concat([ident, u32(0x7fffffff), Buffer.from([4])]), // packet_length far above the cap
      Buffer.concat([ident, u32(35001), Buffer.from([4])]),
      Buffer.concat([ident, u32(12), Buffer.from([3]), Buffer.alloc(11)]), // padding below 4
      Buffer.concat([ident, u32(8), Buffer.from([8]), Buffer.alloc(7)]), // padding leaves no message byte
      Buffer.concat([ident, sshPacket(bigList)]), // name-list longer than its packet
      Buffer.concat([ident, sshPacket(kexBody.subarray(0, 40))]), // KEXINIT cut inside its lists
      Buffer.concat([ident, sshPacket(Buffer.from([94, 1, 2, 3]))]), // not KEXINIT
      Buffer.concat([ident, sshPacket(Buffer.concat([Buffer.from([1]), u32(2), sshString('go away'), sshString('')]))]),
      Buffer.from(`SSH-2.0-${'x'.repeat(300)}\r\n`), // identification over 255 bytes
      Buffer.from('x'.repeat(1024)), // no line end
      Buffer.from('hello\r\n'.repeat(33)), // too many lines before the identification
      Buffer.from('SSH-\r\n'),
      Buffer.concat([ident, ...Array.from({ length: 9 }, () => sshPacket(Buffer.from([2, 0, 0, 0, 0])))]), // endless IGNOREs
    ];
    const res = (await drive('greeting', cases.map((c) => new Uint8Array(c)))) as { status: string; error?: string }[];
    expect(res.map((x) => x.status)).toEqual(cases.map(() => 'bad'));
    expect(res.map((x) => x.error)).toEqual([
      'packet_length 2147483647 above 35000',
      'packet_length 35001 above 35000',
      'bad padding_length 3 for packet_length 12',
      'bad padding_length 8 for packet_length 8',
      'KEXINIT truncated in its name-lists',
      'KEXINIT truncated in its name-lists',
      'expected KEXINIT, got message 94',
      'server disconnected: go away (code 2)',
      'identification line longer than 255 bytes',
      'no line end within 1024 bytes',
      'more than 32 lines before the identification',
      'malformed identification line',
      'no KEXINIT within 8 packets',
    ]);
    // with a valid KEXINIT after them, lines before the identification are kept
    const ok = (await drive('greeting', [new Uint8Array(Buffer.concat([Buffer.from('hello\r\nworld\n'), ident, sshPacket(kexBody)]))])) as { status: string; preamble?: string[]; kex?: string[] }[];
    expect(ok[0]).toMatchObject({ status: 'ok', preamble: ['hello', 'world'], kex: ['a'] });
  });

  it('refuse a host key blob that lies about its lengths', async () => {
    const reply31 = (ks: Buffer): Uint8Array => new Uint8Array(sshPacket(Buffer.concat([Buffer.from([31]), sshString(ks), sshString(Buffer.alloc(32)), sshString('sig')])));
    const res = (await drive('reply', [
      reply31(Buffer.concat([sshString('ssh-ed25519'), sshString(Buffer.alloc(31))])),
      reply31(Buffer.concat([sshString('ssh-rsa'), sshString(Buffer.from([1, 0, 1])), u32(1000)])),
      reply31(Buffer.alloc(0)),
      new Uint8Array(sshPacket(Buffer.concat([Buffer.from([31]), u32(5000)]))),
    ])) as { status: string; error?: string }[];
    expect(res).toEqual([
      { status: 'bad', error: 'ed25519 key of 31 bytes' },
      { status: 'bad', error: 'ssh-rsa key blob truncated' },
      { status: 'bad', error: 'host key blob without a type' },
      { status: 'bad', error: 'KEX_ECDH_REPLY truncated' },
    ]);
  });
});

describe('the ssh plugin against servers that stop early', () => {
  async function server(send: Buffer, close: boolean): Promise<{ srv: Server; port: number }> {
    const srv = createServer((s) => {
      s.on('error', () => {});
      s.write(send);
      if (close) s.end();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return { srv, port: (srv.address() as { port: number }).port };
  }

  it('returns the banner as a partial result when the connection closes inside the KEXINIT', async () => {
    const { srv, port } = await server(Buffer.concat([Buffer.from('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'), u32(500), Buffer.from([4, 20])]), true);
    try {
      const r = await scan(port);
      expect(r).toMatchObject({ status: 'protocol-error', error: 'connection closed waiting for KEXINIT', data: { banner: 'SSH-2.0-OpenSSH_9.2p1 Debian-2' } });
      expect(r.service).toMatchObject({ product: 'OpenSSH', version: '9.2p1', extrainfo: 'Debian-2' });
    } finally {
      srv.close();
    }
  });

  it('says io-timeout, with the banner, when the server goes silent after it', async () => {
    const { srv, port } = await server(Buffer.from('SSH-2.0-dropbear_2022.83\r\n'), false);
    try {
      const r = await scan(port, { timeout_ms: 300 });
      expect(r).toMatchObject({ status: 'io-timeout', error: 'timed out waiting for KEXINIT', data: { banner: 'SSH-2.0-dropbear_2022.83' } });
      expect(r.service).toEqual({ name: 'ssh', product: 'Dropbear sshd', version: '2022.83', cpe: ['cpe:/a:matt_johnston:dropbear_ssh_server:2022.83'], confidence: 1 });
    } finally {
      srv.close();
    }
  });

  it('says protocol-error for a service that is not SSH', async () => {
    const { srv, port } = await server(Buffer.from('220 smtp.example ESMTP\r\n'), true);
    try {
      const r = await scan(port);
      expect(r.status).toBe('protocol-error');
      expect(r.data).toEqual({ preamble: ['220 smtp.example ESMTP'] });
    } finally {
      srv.close();
    }
  });

  it('says connection-refused for a closed port', async () => {
    const r = await scan(await freePort());
    expect(r).toMatchObject({ status: 'connection-refused', error: 'ECONNREFUSED' });
  });
});

describe('the ssh plugin crypto', () => {
  it('computes MD5 as in the RFC 1321 test suite', async () => {
    const suite = ['', 'a', 'abc', 'message digest', 'abcdefghijklmnopqrstuvwxyz',
      'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
      '12345678901234567890123456789012345678901234567890123456789012345678901234567890'];
    expect(await drive('md5', suite.map((s) => new Uint8Array(Buffer.from(s))))).toEqual([
      'd41d8cd98f00b204e9800998ecf8427e', '0cc175b9c0f1b6a831c399e269772661', '900150983cd24fb0d6963f7d28e17f72',
      'f96b697d7cb7938d525a2f31aaf161d0', 'c3fcd3d76192e4007dfb496cca67e13b', 'd174ab98d277d9f5a5611c2c9f419d9f',
      '57edf4a22be3c955ac49da2e2107b67a',
    ]);
    // every padding boundary, against node's MD5
    const lens = Array.from({ length: 140 }, (_, i) => randomBytes(i));
    expect(await drive('md5', lens.map((b) => new Uint8Array(b)))).toEqual(lens.map((b) => createHash('md5').update(b).digest('hex')));
  });

  it('computes SHA-256 as in the FIPS 180-4 examples', async () => {
    const v = ['abc', '', 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'];
    expect(await drive('sha256', v.map((s) => new Uint8Array(Buffer.from(s))))).toEqual([
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ]);
    const lens = Array.from({ length: 140 }, (_, i) => randomBytes(i));
    expect(await drive('sha256', lens.map((b) => new Uint8Array(b)))).toEqual(lens.map((b) => createHash('sha256').update(b).digest('hex')));
  });

  it('computes X25519 as in RFC 7748 §5.2 and §6.1, and agrees with node on random keys', async () => {
    const h = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
    const nine = h('09'.padEnd(64, '0'));
    const alice = h('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const bob = h('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    const res = await drive('x25519', [
      [h('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4'), h('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c')],
      [h('4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d'), h('e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493')],
      [nine, nine], // one iteration of §5.2's loop
      [alice, nine],
      [bob, nine],
      [alice, h('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f')],
    ]);
    expect(res).toEqual([
      'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
      '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957',
      '422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079',
      '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
      'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
      '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742',
    ]);
    const pairs = Array.from({ length: 8 }, () => [generateKeyPairSync('x25519'), generateKeyPairSync('x25519')] as const);
    const raw = (k: import('node:crypto').KeyObject): Uint8Array => new Uint8Array(k.export({ format: 'der', type: k.type === 'private' ? 'pkcs8' : 'spki' }).subarray(-32));
    const got = await drive('x25519', pairs.map(([a, b]) => [raw(a.privateKey), raw(b.publicKey)]));
    expect(got).toEqual(pairs.map(([a, b]) => diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey }).toString('hex')));
  });

  it('writes base64 with padding like Buffer does', async () => {
    const v = Array.from({ length: 7 }, (_, i) => randomBytes(i));
    expect(await drive('base64', v.map((b) => new Uint8Array(b)))).toEqual(v.map((b) => b.toString('base64')));
  });
});

import { release } from 'node:os';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvocationResult } from '../../../src/sandbox/index.js';
import { tcpServer, type TestServer } from '../../../test/sandbox/helpers/fixtures.js';
import { usePlugin } from '../../../test/support/plugin-harness.js';

const IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251, SB = 250, SE = 240, NOP = 241;

interface Running { name: string; host: string; port: number }
interface Opt { name: string; value: number }
interface TelnetData { banner: string; will: Opt[]; do: Opt[]; wont: Opt[]; dont: Opt[]; banner_truncated?: boolean }

/** What the server sends in `ms` to a client that refuses every option, as the plugin does. */
function capture(port: number, ms: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect(port, '127.0.0.1');
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      const out: number[] = [];
      for (let i = 0; i + 2 < d.length; i++) {
        if (d[i] === IAC && (d[i + 1] === DO || d[i + 1] === WILL)) out.push(IAC, d[i + 1] === DO ? WONT : DONT, d[i + 2]!);
      }
      if (out.length) sock.write(Buffer.from(out));
    });
    sock.on('error', reject);
    setTimeout(() => { sock.destroy(); resolve(Buffer.concat(chunks)); }, ms);
  });
}

describe('the telnet scanner plugin, on a real telnetd', () => {
  const under = usePlugin('telnet', { services: ['telnet'], harness: true });
  let telnetd: Running;
  let stream: Buffer;

  beforeAll(async () => {
    telnetd = under.service<Running>('telnet');
    stream = await capture(telnetd.port, 1500);
  });

  const scan = under.scan;
  const parse = (bytes: Uint8Array, config: Record<string, unknown> = {}): Promise<InvocationResult> => under.parse({ banner: bytes }, config);

  it('is an active scanner for port 23 or any port named telnet', () => {
    expect(under.plugin.manifest).toMatchObject({
      name: 'telnet', kind: 'scanner', capabilities: ['network'],
      match: { ports: [23], services: ['telnet'], transport: 'tcp' },
    });
  });

  it('names the options inetutils telnetd negotiates, and reaches its login prompt by refusing them', async () => {
    const r = await scan(telnetd.port);
    expect(r.status).toBe('success');
    expect(r.service).toEqual({ name: 'telnet', confidence: 1 });
    const d = r.data as TelnetData;
    // inetutils telnetd offers authentication/encryption, then asks for the terminal's details
    expect(d.will).toEqual(expect.arrayContaining([
      { name: 'authentication', value: 37 }, { name: 'encryption', value: 38 },
      { name: 'suppress-go-ahead', value: 3 }, { name: 'status', value: 5 }, { name: 'echo', value: 1 },
    ]));
    expect(d.do).toEqual(expect.arrayContaining([
      { name: 'terminal-type', value: 24 }, { name: 'terminal-speed', value: 32 }, { name: 'window-size', value: 31 },
      { name: 'new-environment', value: 39 }, { name: 'linemode', value: 34 }, { name: 'binary', value: 0 },
    ]));
    expect(d.wont).toEqual([]);
    expect(d.dont).toEqual([]);
    // its banner is "Linux <release> (<host>) (pts/N)", then login(1)'s prompt: telnetd got past negotiation
    expect(d.banner).toContain(`Linux ${release()} `);
    expect(d.banner).toMatch(/ login: $/);
    expect(d.banner).not.toMatch(/[\r\0\xff]/);
    const first = d.banner.split('\n').find((l) => l.trim() !== '')!.trim();
    expect(first).toMatch(new RegExp(`^Linux ${release().replaceAll('.', '\\.')} `));
    expect(r.summary).toBe(`login prompt; "${first}"; will: ${d.will.map((o) => o.name).join(', ')}; asks ${d.do.length} options`);
  });

  it('reports the same options and text as an independent read of the same server', async () => {
    const names = (a: Opt[]): number[] => a.map((o) => o.value).sort((x, y) => x - y);
    const seen = (verb: number): number[] => {
      const s = new Set<number>();
      for (let i = 0; i + 2 < stream.length; i++) if (stream[i] === IAC && stream[i + 1] === verb) s.add(stream[i + 2]!);
      return [...s].sort((x, y) => x - y);
    };
    const d = (await scan(telnetd.port)).data as TelnetData;
    expect(names(d.will)).toEqual(seen(WILL));
    expect(names(d.do)).toEqual(seen(DO));
  });

  it('parses a real telnetd stream, and every proper prefix of it without error or loss', async () => {
    const d = (await parse(stream)).data as { text: string; error: string; cut: boolean; prefix_errors: number; prefix_regress: number; negotiations: string[] };
    expect(d).toMatchObject({ error: '', cut: false, prefix_errors: 0, prefix_regress: 0 });
    expect(d.negotiations).toContain(`${DO} 24 terminal-type`);
    expect(d.text).toMatch(/ login: $/);
  });

  it('takes hostile streams apart without trapping: doubled IAC, unknown options, cut and endless subnegotiation', async () => {
    const cases: [number[], Record<string, unknown>][] = [
      [[0x61, IAC, IAC, 0x62], { text: 'a\ufffdb', negotiations: [], cut: false, error: '' }],
      [[IAC, DO, 200, IAC, NOP, 0x68, 0x69], { text: 'hi', negotiations: [`${DO} 200 `], cut: false }],
      [[IAC, WILL], { text: '', negotiations: [], cut: true, error: '' }],
      [[IAC, SB, 24, 1, IAC, IAC, 7, IAC, SE, 0x6f, 0x6b], { text: 'ok', subnegotiations: 1, cut: false }],
      [[IAC, SB, 24, ...new Array<number>(2000).fill(0x41)], { cut: false, error: 'subnegotiation longer than 1024 bytes' }],
      [[0x0d, 0x00, 0x0d, 0x0a, 0x78], { text: '\n\nx' }],
    ];
    for (const [bytes, want] of cases) {
      const d = (await parse(new Uint8Array(bytes))).data as object;
      expect({ head: bytes.slice(0, 6), ...d }).toMatchObject({ head: bytes.slice(0, 6), ...want });
    }
    const long = (await parse(Buffer.from('x'.repeat(100)), { max_text: 64 })).data as { text: string; dropped: number };
    expect(long).toMatchObject({ text: 'x'.repeat(64), dropped: 36 });
  });

  describe('against fake servers on loopback', () => {
    let fake: TestServer;
    let heard = Buffer.alloc(0);
    let quiet: TestServer;
    beforeAll(async () => {
      // asks for an unknown option and offers echo, then waits for the answers before its prompt
      fake = await tcpServer((s) => {
        s.write(Buffer.from([IAC, DO, 200, IAC, WILL, 1, IAC, DONT, 5]));
        s.on('data', (d: Buffer) => {
          heard = Buffer.concat([heard, d]);
          if (heard.length >= 6) s.end('router\r\nUsername: ');
        });
      });
      quiet = await tcpServer(() => {});
    });
    afterAll(async () => { await fake?.close(); await quiet?.close(); });

    it('answers DO with WONT and WILL with DONT, names unknown options by number, and stops at the prompt', async () => {
      const r = await scan(fake.port);
      expect(r.status).toBe('success');
      expect([...heard]).toEqual([IAC, WONT, 200, IAC, DONT, 1]); // DONT 5 needs no answer
      expect(r.data).toEqual({
        banner: 'router\nUsername: ',
        will: [{ name: 'echo', value: 1 }], do: [{ name: '200', value: 200 }], wont: [], dont: [{ name: 'status', value: 5 }],
      });
      expect(r.summary).toBe('login prompt; "router"; will: echo; asks 1 option');
    });

    it('calls a server that sends nothing an io-timeout', async () => {
      const r = await scan(quiet.port, { read_ms: 300 });
      expect(r.status).toBe('io-timeout');
    });
  });
});

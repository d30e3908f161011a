// service-simple's opt-in nmap database (config `nmap_probes`): the text of
// the REAL /usr/share/nmap/nmap-service-probes (read at run time, never
// copied into the repository) parsed inside the plugin, its probes sent to
// real daemons and loopback servers, and nmap itself (`nmap -sV`) as the
// oracle for what the answer must be. Also: hostile probe texts.
//   npx vitest run plugins-wasm/service-simple/test/nmap-probes.test.ts
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvocationResult } from '../../../src/sandbox/index.js';
import { usePlugin } from '../../../test/support/plugin-harness.js';

const run = promisify(execFile);
const PROBES_FILE = '/usr/share/nmap/nmap-service-probes';
const NAMES = ['postgres', 'telnet', 'ssh'];

interface Running { name: string; port: number }
interface ServiceOut {
  name: string; product?: string; version?: string; cpe: string[]; extrainfo?: string; hostname?: string; ostype?: string;
  method: string; probe: string; banner: string; confidence: number; source?: string;
}
interface NmapStats {
  refused: boolean; probes: number; matches: number; softmatches: number; skipped_lines: number;
  regex_compiled: number; regex_failed: number; regex_aborted: number; parsed: boolean; load_ms: number; probes_sent: number;
  out_of_time: number;
}
interface DataOut { state: { state: string }; service: ServiceOut; nmap_probes?: NmapStats }

const under = usePlugin('service-simple', { services: NAMES, privateServices: true });
let probesText = '';
const running = new Map<string, Running>();
const servers: Server[] = [];

beforeAll(() => {
  // as --plugin-config-file reads it: UTF-8 text
  probesText = readFileSync(PROBES_FILE, 'utf8');
  for (const name of NAMES) running.set(name, under.service<Running>(name));
  nmapSays(running.get('telnet')!.port);
  nmapSays(running.get('postgres')!.port);
});
afterAll(() => {
  for (const s of servers) s.close();
});

const scan = under.scan;

function dataOf(r: InvocationResult): DataOut {
  expect(r.status, r.error).toBe('success');
  return r.data as DataOut;
}

/** A loopback server that writes `greeting` to every connection and then listens. */
async function greeter(greeting: string | Buffer): Promise<number> {
  const srv = createServer((s) => { s.on('error', () => {}); s.write(greeting); });
  servers.push(srv);
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
  const addr = srv.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

/** What nmap -sV itself says about a loopback port (the oracle). */
async function nmapRun(port: number): Promise<Record<string, string>> {
  const { stdout } = await run('nmap', ['-sV', '-Pn', '-n', '-p', String(port), '-oX', '-', '127.0.0.1'], { maxBuffer: 1 << 22 });
  const tag = /<service ([^>]*?)\/?>/.exec(stdout);
  if (!tag) throw new Error(`nmap gave no service: ${stdout.slice(-400)}`);
  const attrs: Record<string, string> = {};
  for (const m of tag[1].matchAll(/(\w+)="([^"]*)"/g)) attrs[m[1]] = m[2].replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  return attrs;
}

/** grep's count of lines matching an extended regex in the installed file. */
function grepCount(re: string): number {
  return Number(execFileSync('grep', ['-cE', re, PROBES_FILE], { encoding: 'utf8' }).trim());
}

/** `data.service` with the result's `service` checked to carry the same values (it has no hostname, device, source). */
function serviceOf(r: InvocationResult): ServiceOut {
  const data = dataOf(r);
  const { hostname: _h, device: _d, source: _s, ...rest } = data.service as ServiceOut & { device?: string };
  expect(r.service).toEqual(Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== '' && !(Array.isArray(v) && v.length === 0))));
  return data.service;
}

// Greetings of real software that our own database only soft-matches: TigerVNC/RealVNC's RFB 3.8 hello.
const VNC_GREETING = 'RFB 003.008\n';

// nmap -sV is slow (on telnet it waits out every probe): each port's oracle starts once, as early as possible
const oracles = new Map<number, Promise<Record<string, string>>>();
function nmapSays(port: number): Promise<Record<string, string>> {
  let p = oracles.get(port);
  if (!p) {
    p = nmapRun(port);
    p.catch(() => {}); // awaited by its test, which reports the failure
    oracles.set(port, p);
  }
  return p;
}

describe('the parser, on the installed nmap-service-probes', () => {
  it('reads every Probe line and every match and softmatch line, skipping none', async () => {
    const port = await greeter(VNC_GREETING);
    const stats = dataOf(await scan(port, { nmap_probes: probesText })).nmap_probes!;
    expect(stats.refused).toBe(false);
    expect(stats.probes).toBe(grepCount('^Probe '));
    expect(stats.matches).toBe(grepCount('^match '));
    expect(stats.softmatches).toBe(grepCount('^softmatch '));
    expect(stats.matches + stats.softmatches).toBe(grepCount('^(soft)?match '));
    expect(stats.skipped_lines).toBe(0);
    // the patterns this reply needed (NULL's, for the vnc service) all compile and none ran away
    expect(stats.regex_compiled).toBeGreaterThan(0);
    expect(stats.regex_failed).toBe(0);
    expect(stats.regex_aborted).toBe(0);
    expect(stats.parsed).toBe(true);
  }, 60_000);

  it('parses the text once per instance: the next port reuses the instance and its parsed database', async () => {
    const port = await greeter(VNC_GREETING);
    const again = dataOf(await scan(port, { nmap_probes: probesText })).nmap_probes!;
    expect(again.parsed).toBe(false);
    expect(again.probes).toBe(grepCount('^Probe '));
    expect(dataOf(await scan(port, { nmap_probes: probesText })).service).toMatchObject({ name: 'vnc', source: 'nmap-service-probes' });
  }, 60_000);
});

describe('nmap -sV as the oracle', () => {
  it('gives PostgreSQL the version nmap gives, where our own database knows no version', async () => {
    const port = running.get('postgres')!.port;
    const oracle = nmapSays(port);
    const own = serviceOf(await scan(port));
    expect(own).toMatchObject({ name: 'postgresql', product: 'PostgreSQL DB' });
    expect(own.version).toBeUndefined();
    const r = await scan(port, { nmap_probes: probesText });
    const s = serviceOf(r);
    const nmap = await oracle;
    expect(nmap.version).toBeTruthy();
    expect({ name: s.name, product: s.product, version: s.version }).toEqual({ name: nmap.name, product: nmap.product, version: nmap.version });
    // nmap's line is a softmatch with a version: it refines our hard match, which keeps its certainty and extrainfo
    expect(s).toMatchObject({ source: 'nmap-service-probes', method: 'probe_matching', confidence: 0.95, extrainfo: own.extrainfo });
    expect(s.cpe).toContain('cpe:/a:postgresql:postgresql');
    // the probe is one of the file's, sent by the plugin itself
    expect(probesText).toContain(`\nProbe TCP ${s.probe} `);
    expect(dataOf(r).nmap_probes!.probes_sent).toBeGreaterThan(0);
  }, 180_000);

  it('turns our soft vnc into the hard match nmap gives for a real RFB 3.8 greeting', async () => {
    const port = await greeter(VNC_GREETING);
    const oracle = nmapSays(port);
    const own = serviceOf(await scan(port));
    expect(own).toMatchObject({ name: 'vnc', method: 'probe_extraction', confidence: 0.6 });
    const s = serviceOf(await scan(port, { nmap_probes: probesText }));
    const nmap = await oracle;
    expect({ name: s.name, product: s.product, version: s.version, extrainfo: s.extrainfo })
      .toEqual({ name: nmap.name, product: nmap.product, version: nmap.version, extrainfo: nmap.extrainfo });
    // "protocol 3.$1": the template filled from the regex group
    expect(s).toMatchObject({ extrainfo: 'protocol 3.8', probe: 'NULL', source: 'nmap-service-probes', confidence: 0.85 });
  }, 180_000);

  it('says telnet with no product for the real telnetd, as nmap does after all its probes', async () => {
    const port = running.get('telnet')!.port;
    const oracle = nmapSays(port);
    const r = await scan(port, { nmap_probes: probesText });
    const s = serviceOf(r);
    const nmap = await oracle;
    expect({ name: s.name, product: s.product, version: s.version }).toEqual({ name: nmap.name, product: nmap.product, version: nmap.version });
    // nmap's probes that can name telnet were sent (ours only had the soft match)
    expect(dataOf(r).nmap_probes!.probes_sent).toBeGreaterThan(0);
  }, 180_000);
});

describe('without nmap_probes', () => {
  it('leaves the result as our own database gives it, with no nmap key anywhere', async () => {
    const port = await greeter(VNC_GREETING);
    const plain = dataOf(await scan(port));
    expect(plain.nmap_probes).toBeUndefined();
    expect(plain.service.source).toBeUndefined();
    expect(dataOf(await scan(port, { nmap_probes: '' }))).toEqual(plain);
  }, 60_000);

  it('does not consult nmap when our own hard match has a version', async () => {
    const r = dataOf(await scan(running.get('ssh')!.port, { nmap_probes: probesText }));
    expect(r.service).toMatchObject({ name: 'ssh', product: 'OpenSSH', probe: 'NULL' });
    expect(r.service.source).toBeUndefined();
    expect(r.nmap_probes).toBeUndefined();
  }, 60_000);
});

// A probes text written here (not nmap's) exercising every template form on a greeting.
const TEMPLATE_DB = [
  'Probe TCP NULL q||',
  'match tmpl m|^TMPL ([^ ]+) ([^ ]+) (....) (..)? ?end\\r\\n|s p/Prod $P(1)/ v/$SUBST(2,"_",".")/ i/be=$I(3,">") le=$I(3,"<") raw=$1/ h/host-$2/ o/Linux/ d/router/ cpe:/a:vendor:prod:$SUBST(2,"_",".")/ cpe:/o:vendor:os:$4/a',
  '',
].join('\n');

describe('version templates', () => {
  it('fills $n, $P, $SUBST and $I (both byte orders) and trims a cpe whose group is empty', async () => {
    const port = await greeter(Buffer.concat([Buffer.from('TMPL a\x01b\x7fc 1_2_3 ', 'latin1'), Buffer.from([0, 0, 1, 2]), Buffer.from(' end\r\n')]));
    const s = dataOf(await scan(port, { nmap_probes: TEMPLATE_DB })).service as ServiceOut & { device?: string };
    expect(s).toMatchObject({
      name: 'tmpl', product: 'Prod abc', version: '1.2.3', extrainfo: `be=258 le=${0x02010000} raw=a\x01b\x7fc`,
      hostname: 'host-1_2_3', ostype: 'Linux', device: 'router', source: 'nmap-service-probes', probe: 'NULL',
    });
    expect(s.cpe).toEqual(['cpe:/a:vendor:prod:1.2.3', 'cpe:/o:vendor:os']);
  }, 60_000);

  it('matches a pattern with non-ASCII text against the reply\'s UTF-8 bytes, as nmap does, and keeps the template text readable', async () => {
    // the CLI hands the file over as UTF-8 text; nmap's PCRE sees the same pattern as bytes
    const db = ['Probe TCP NULL q||', 'match i18n m|^Ostrzeżenie: (\\d+)\\r\\n| p/Polski $1/ i/Żółw/', ''].join('\n');
    const port = await greeter(Buffer.from('Ostrzeżenie: 7\r\n', 'utf8'));
    const s = dataOf(await scan(port, { nmap_probes: db })).service;
    expect(s).toMatchObject({ name: 'i18n', product: 'Polski 7', extrainfo: 'Żółw', source: 'nmap-service-probes' });
  }, 60_000);
});

/** A deterministic byte generator (xorshift), so a failure replays. */
function noise(n: number, seed: number): string {
  let x = seed >>> 0 || 1;
  let out = '';
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    const c = x & 0xff;
    out += c % 7 === 0 ? '\n' : String.fromCharCode(c);
  }
  return out;
}

describe('hostile probe texts', () => {
  let vnc = 0;
  let own: DataOut;
  beforeAll(async () => {
    vnc = await greeter(VNC_GREETING);
    own = dataOf(await scan(vnc));
  });
  /** A hostile text never traps: the result is a success with our own answer or nmap's vnc. */
  async function clean(text: string): Promise<DataOut> {
    const d = dataOf(await scan(vnc, { nmap_probes: text }));
    expect(d.service.name).toBe('vnc');
    return d;
  }

  it('skips garbage lines and keeps our own answer', async () => {
    const d = await clean(noise(200_000, 7));
    expect(d.nmap_probes!.probes).toBe(0);
    expect(d.nmap_probes!.skipped_lines).toBeGreaterThan(0);
    expect(d.service).toEqual(own.service);
  }, 60_000);

  it('gives a clean result for every truncated prefix of a probe block', async () => {
    const block = 'Probe TCP NULL q|\\x00\\r|\nrarity 1\nports 1-10,5900\nfallback GetRequest\ntotalwaitms 6000\nmatch vnc m|^RFB 003\\.00(\\d)\\n$|s p/VNC/ i/protocol 3.$1/ cpe:/a:x:vnc:$1/a\nsoftmatch vnc m=^RFB= p|x|\n';
    for (let n = 1; n <= block.length; n += 5) {
      const d = await clean(block.slice(0, n));
      expect(d.nmap_probes!.refused).toBe(false);
    }
    // the whole block does match, so the prefixes were parsed for real
    expect((await clean(block)).service).toMatchObject({ product: 'VNC', extrainfo: 'protocol 3.8', source: 'nmap-service-probes' });
  }, 120_000);

  it('stops a catastrophic pattern at the step cap and counts it', async () => {
    // (a|aa)+ against 40 a's and a stop: about fib(40) paths, far past the step cap
    const port = await greeter(`${'a'.repeat(40)}!\r\n`);
    const d = dataOf(await scan(port, { nmap_probes: 'Probe TCP NULL q||\nmatch evil m=^(a|aa)+$= p/never/\n', probe_rarity: 'light' }));
    expect(d.nmap_probes!.regex_aborted).toBeGreaterThan(0);
    expect(d.service).toMatchObject({ name: 'unknown', method: 'table_default' });
  }, 60_000);

  it('counts patterns that do not compile and goes on', async () => {
    const d = await clean('Probe TCP NULL q||\nmatch vnc m|^RFB (| p/bad/\nmatch vnc m|^RFB 003\\.008| p/Good/\n');
    expect(d.nmap_probes!.regex_failed).toBe(1);
    expect(d.service).toMatchObject({ product: 'Good' });
  }, 60_000);

  it('parses a text just under the size cap made only of match lines, against a server that answers everything', async () => {
    const line = `match x m|^${'b'.repeat(90)}| p/y/\n`;
    const text = `Probe TCP NULL q||\n${line.repeat(Math.floor(((4 << 20) - 40) / line.length))}`;
    const port = await greeter(`${'c'.repeat(4000)}\r\n`);
    const d = dataOf(await scan(port, { nmap_probes: text, probe_rarity: 'light' }));
    // capped at 20,000 match lines, the rest counted as skipped; every kept pattern compiled and tried —
    // unless the machine is so loaded that the time budget ran out first, which the plugin then says
    expect(d.nmap_probes).toMatchObject({ refused: false, probes: 1, matches: 20000, regex_failed: 0 });
    if (d.nmap_probes!.regex_compiled !== 20000) expect(d.nmap_probes!.out_of_time).toBeGreaterThan(0);
    expect(d.nmap_probes!.skipped_lines).toBeGreaterThan(0);
    expect(d.service.name).toBe('unknown');
  }, 60_000);

  it('stops matching when its time budget runs out, counts it, and answers before the wall limit', async () => {
    // 20,000 patterns (the cap) that each run to the 100,000-step cap on this reply: about 2e9 steps in
    // all, far more than any machine does in the ~0.5 s left after the greeting's 1 s read. A slow
    // machine runs out of budget before the first pattern, a fast one somewhere later: out_of_time
    // either way, and the plugin (not the runtime's wall limit) ends the invocation.
    const port = await greeter(`${'a'.repeat(16000)}\r\n`);
    const text = `Probe TCP NULL q||\n${'match evil m=^(a|aa)+$= p/never/\n'.repeat(20_000)}`;
    const r = await scan(port, { nmap_probes: text, probe_rarity: 'light', timeout_ms: 1500 });
    const d = dataOf(r);
    expect(d.nmap_probes).toMatchObject({ refused: false, probes: 1, matches: 20000, regex_failed: 0 });
    expect(d.nmap_probes!.out_of_time).toBeGreaterThan(0);
    // it stopped early: patterns past the deadline were never even compiled
    expect(d.nmap_probes!.regex_compiled).toBeLessThan(20000);
    expect(d.service.name).toBe('unknown');
  }, 60_000);

  it('refuses a 10 MB text whole and keeps our own answer', async () => {
    const d = await clean(`Probe TCP NULL q||\n${'match vnc m|^RFB| p/Big/\n'.repeat(420_000)}`);
    expect(d.nmap_probes!.refused).toBe(true);
    expect(d.service).toEqual(own.service);
  }, 120_000);
});

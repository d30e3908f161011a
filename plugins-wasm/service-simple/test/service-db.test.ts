// The consistency of service-simple's own database (db/service-db.txt): the
// compiled-in copy is fresh, probe names are unique, every probe is used,
// every fallback exists, every pattern compiles in the plugin's own regex
// engine (assembly/pcre.ts, through test/pcre-harness) and matches the bytes
// its probe's real server answered with where the test below has them, and
// the coverage the issue asks for holds (>= 150 services).
//   npx vitest run plugins-wasm/service-simple/test/service-db.test.ts
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packManifest } from '../../../src/authoring/pack.js';
import { readPluginToml } from '../../../src/authoring/plugin-toml.js';
import type { LoadedPlugin, PluginRuntime } from '../../../src/sandbox/index.js';
// @ts-expect-error plain ESM build script (JSDoc, no .d.ts)
import { buildPlugin } from '../../../sdk/assemblyscript/scripts/build.mjs';
import { tempDir, testRuntime } from '../../../test/sandbox/helpers/fixtures.js';
// @ts-expect-error plain ESM module, no .d.ts
import { generate } from '../db/gen.mjs';

const here = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const TXT = join(here, 'db', 'service-db.txt');

interface Line { probe: string; soft: boolean; service: string; pattern: string; flags: string; product: string; line: number }
interface ProbeDef { name: string; payload: string; rarity: number; ports: string; fallbacks: string[]; lines: Line[] }

/** The file's probes and lines, read by a parser of this test's own (nmap's documented syntax). */
function readDb(): ProbeDef[] {
  const probes: ProbeDef[] = [];
  readFileSync(TXT, 'latin1').split('\n').forEach((text, i) => {
    if (text.startsWith('#') || text.trim() === '') return;
    const cur = probes[probes.length - 1];
    let m: RegExpMatchArray | null;
    if ((m = text.match(/^Probe TCP (\S+) q\|(.*)\|$/))) probes.push({ name: m[1]!, payload: m[2]!, rarity: 1, ports: '', fallbacks: [], lines: [] });
    else if ((m = text.match(/^rarity (\d)$/))) cur!.rarity = Number(m[1]);
    else if ((m = text.match(/^ports ([\d,-]+)$/))) cur!.ports = m[1]!;
    else if ((m = text.match(/^fallback (.+)$/))) cur!.fallbacks = m[1]!.split(',');
    else if (/^totalwaitms \d+$/.test(text)) return;
    else if ((m = text.match(/^(match|softmatch) (\S+) m(.)/))) {
      const d = m[3]!;
      const start = m[0].length;
      const end = text.indexOf(d, start);
      const flags = text.slice(end + 1).match(/^[si]*/)![0];
      const rest = text.slice(end + 1 + flags.length);
      const product = rest.match(/(?:^|\s)p(.)(.*?)\1/)?.[2] ?? '';
      cur!.lines.push({ probe: cur!.name, soft: m[1] === 'softmatch', service: m[2]!, pattern: text.slice(start, end), flags, product, line: i + 1 });
    } else throw new Error(`service-db.txt:${i + 1}: does not parse: ${text.slice(0, 80)}`);
  });
  return probes;
}

/** The probes whose replies the hand-written matchers of matchers.ts read (probes.ts handServices). */
const HAND: Record<string, string[]> = {
  NULL: ['ssh', 'ftp', 'smtp', 'pop3', 'imap', 'mysql', 'telnet', 'rsync', 'vnc'],
  GenericLines: ['memcached', 'redis', 'postgresql'],
  GetRequest: ['http', 'redis'],
  TLSSessionReq: ['ssl', 'https', 'smtps', 'imaps', 'pop3s', 'ftps', 'nntps', 'ircs'],
  RedisInfo: ['redis'],
  MemcachedVersion: ['memcached'],
  DNSVersionBindReqTCP: ['dns'],
  PostgresSSLRequest: ['postgresql'],
  MQTTConnect: ['mqtt'],
};
const HTTP_NAMES = new Set(['http', 'https', 'docker', 'ipp', 'http-proxy', 'upnp']);

describe("service-simple's own database (db/service-db.txt)", () => {
  const db = readDb();
  const lines = db.flatMap((p) => p.lines);

  it('is compiled in fresh: assembly/service-db.ts is what db/gen.mjs makes of the .txt', () => {
    expect(readFileSync(join(here, 'assembly', 'service-db.ts'), 'utf8')).toBe(generate(readFileSync(TXT, 'utf8')));
  });

  it('has unique probe names, every probe used and every fallback defined', () => {
    const names = db.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const p of db) {
      // a probe with no line of its own is read by the hand-written matchers or its fallback's lines
      const used = p.lines.length > 0 || HAND[p.name] !== undefined || p.fallbacks.some((f) => db.find((q) => q.name === f)!.lines.length > 0);
      expect(used, `probe ${p.name} identifies nothing`).toBe(true);
      for (const f of p.fallbacks) expect(names, `${p.name} falls back to ${f}`).toContain(f);
      expect(p.rarity).toBeGreaterThanOrEqual(1);
      // a probe no port lists and rarer than `all` would never be sent
      expect(p.ports !== '' || p.rarity <= 9).toBe(true);
    }
    // the order the engine relies on: NULL first, the TLS probe with an empty payload
    expect(names[0]).toBe('NULL');
    expect(db.find((p) => p.name === 'TLSSessionReq')!.payload).toBe('');
  });

  it('names no service twice under different spellings and keeps one line per pattern', () => {
    const services = new Set(lines.map((l) => l.service));
    for (const s of services) expect(s, s).toMatch(/^[a-z][a-z0-9_-]*$/);
    const seen = new Map<string, number>();
    for (const l of lines) {
      const key = `${l.probe} ${l.pattern} ${l.flags}`;
      expect(seen.has(key), `line ${l.line} repeats line ${seen.get(key)}`).toBe(false);
      seen.set(key, l.line);
    }
    // one spelling per protocol (nmap's names where it has one)
    for (const [a, b] of [['dns', 'domain'], ['rdp', 'ms-wbt-server'], ['smb', 'microsoft-ds'], ['postgres', 'postgresql'], ['mongo', 'mongodb']]) {
      expect(services.has(a!) && services.has(b!), `${a} and ${b}`).toBe(false);
    }
  });

  it('covers at least 150 protocols by name, plus the HTTP applications it names by product', () => {
    const names = new Set([...lines.map((l) => l.service), ...Object.values(HAND).flat()]);
    const webApps = new Set(lines.filter((l) => HTTP_NAMES.has(l.service) && l.product && !l.product.startsWith('$')).map((l) => l.product));
    // printed for the README's numbers
    console.log(`service-db: ${names.size} service names, ${webApps.size} HTTP applications, ${db.length} probes, ${lines.length} lines`);
    // 150 protocols by name alone; the HTTP applications come on top
    expect(names.size).toBeGreaterThanOrEqual(150);
    expect(names.size + webApps.size).toBeGreaterThanOrEqual(190);
    // the client-first protocols the issue names each have a probe of their own
    for (const p of ['SMBNegotiate', 'RDPConnReq', 'LDAPRootDSE', 'AMQPHeader', 'X11Setup', 'EpmdNames', 'MongoBuildInfo', 'CassandraOptions', 'KafkaApiVersions',
      'TLSSessionReq', 'GetRequest', 'RedisInfo', 'MemcachedVersion', 'HTTPVersion', 'PrometheusBuildinfo', 'DockerPing']) {
      expect(db.map((d) => d.name)).toContain(p);
    }
  });

  describe('in the plugin\'s own regex engine', () => {
    let rt: PluginRuntime;
    let harness: LoadedPlugin;
    beforeAll(async () => {
      const out = tempDir('pcre-harness');
      const h = (await buildPlugin(join(here, 'test', 'pcre-harness'), { readPluginToml, packManifest, outFile: join(out, 'harness.wasm') })) as { wasm: Uint8Array };
      rt = testRuntime({ workers: 1, limits: { cpu_ms: 60000, wall_ms: 120000, output_bytes: 4 * 1024 * 1024 } });
      harness = await rt.load(h.wasm);
    }, 240_000);
    afterAll(async () => { await rt?.close(); });

    it('compiles every pattern', async () => {
      const hex = (s: string) => Buffer.from(s, 'latin1').toString('hex');
      const r = await rt.invoke(harness, {
        target: { ip: '127.0.0.1', port: 1, transport: 'tcp' },
        config: { patterns: lines.map((l) => hex(l.pattern)), flags: lines.map((l) => l.flags), subjects: [], own: [] },
      });
      expect(r.status, r.error).toBe('success');
      const errors = (r.data as { errors: string[] }).errors;
      const failed = lines.map((l, i) => [l.line, errors[i]] as const).filter(([, e]) => e !== '');
      expect(failed).toEqual([]);
    }, 120_000);

    it('never hits the step cap on the real replies of test/fixtures/real-replies.json (a pattern that does is a backtracking trap)', async () => {
      const captured = JSON.parse(readFileSync(join(here, 'test', 'fixtures', 'real-replies.json'), 'utf8')) as { name: string; reply: string }[];
      const r = await rt.invoke(harness, {
        target: { ip: '127.0.0.1', port: 1, transport: 'tcp' },
        config: { patterns: lines.map((l) => Buffer.from(l.pattern, 'latin1').toString('hex')), flags: lines.map((l) => l.flags), subjects: captured.map((c) => c.reply), own: [] },
      });
      expect(r.status, r.error).toBe('success');
      const rows = (r.data as { results: [number, number, boolean, string[] | null][] }).results;
      const aborted = rows.filter(([, , a]) => a).map(([p, sub]) => `line ${lines[p]!.line} on ${captured[sub]!.name}`);
      expect(aborted).toEqual([]);
      // and the harness does report matches: every captured reply is matched by some line
      const matched = new Set(rows.filter(([, , a, caps]) => !a && caps !== null).map(([, sub]) => captured[sub]!.name));
      expect(captured.filter((c) => !matched.has(c.name) && !['imap', 'pop3', 'vnc'].includes(c.name)).map((c) => c.name)).toEqual([]);
    }, 120_000);
  });
});

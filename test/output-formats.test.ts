import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, parseJsonl } from './support/cli.js';
import { listen, closedPort, type Listener } from './support/listeners.js';

/** A minimal RFC 4180 reader, enough to check our quoting round-trips. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else field += c;
  }
  return rows;
}

describe('output formats', () => {
  let greeter: Listener;
  let closed: number;
  const dir = mkdtempSync(join(tmpdir(), 'wasmap-out-'));
  const GREETING = 'HELLO, "quoted" world\r\nsecond line\r\n';

  beforeAll(async () => {
    greeter = await listen('127.0.0.1', { greet: GREETING });
    closed = await closedPort();
  });
  afterAll(() => greeter.close());

  const args = (...more: string[]) => ['scan', '127.0.0.1', '--profile', 'ports', '-p', `${greeter.port},${closed}`, '--banner', '--states', 'all', '-q', ...more];

  it('writes JSONL with base64 banner bytes', async () => {
    const r = await runCli(args('-f', 'jsonl'));
    expect(r.code).toBe(0);
    const events = parseJsonl(r.stdout);
    const banner = events.find((e) => e.origin.type === 'banner');
    expect(banner.origin.module).toBe('grabber');
    expect(Buffer.from(banner.result.data.banner, 'base64').toString()).toBe(GREETING);
    expect(banner.result.data.method).toBe('passive');
    expect(events.filter((e) => e.origin.module === 'portscan')).toHaveLength(2);
    for (const e of events) expect(typeof e.origin.job_id).toBe('string');
    expect(new Set(events.map((e) => e.origin.job_id)).size).toBe(1);
  });

  it('writes one JSON document', async () => {
    const r = await runCli(args('-f', 'json'));
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Array.isArray(doc)).toBe(true);
    expect(doc.map((e: any) => `${e.origin.type}:${e.target.port}`).sort()).toEqual(
      [`banner:${greeter.port}`, `portscan:${closed}`, `portscan:${greeter.port}`].sort(),
    );
  });

  it('writes CSV that parses back, quoting included', async () => {
    const r = await runCli(args('-f', 'csv'));
    expect(r.code).toBe(0);
    const [header, ...rows] = parseCsv(r.stdout);
    expect(header).toEqual(['ts', 'type', 'module', 'ip', 'hostname', 'port', 'protocol', 'state', 'reason', 'severity', 'finding_id', 'data']);
    const open = rows.find((x) => x[1] === 'portscan' && x[5] === String(greeter.port))!;
    expect(open.slice(6, 9)).toEqual(['tcp', 'open', 'syn-ack']);
    const banner = rows.find((x) => x[1] === 'banner')!;
    expect(Buffer.from(JSON.parse(banner[11]!).data.banner, 'base64').toString()).toBe(GREETING);
  });

  it('writes a table grouped by host with a banner preview', async () => {
    const r = await runCli(args('-f', 'table'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^127\.0\.0\.1\n/);
    expect(r.stdout).toMatch(new RegExp(`${greeter.port}/tcp\\s+open\\s+syn-ack\\s+HELLO, "quoted" world`));
    expect(r.stdout).toMatch(new RegExp(`${closed}/tcp\\s+closed\\s+conn-refused`));
  });

  it('writes to -o in the format its extension names, leaving piped stdout empty', async () => {
    const out = join(dir, 'scan.csv');
    const r = await runCli(args('-o', out));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('ts,type,module,ip,hostname,port,protocol,state,reason,severity,finding_id,data');
  });

  it('prints a summary line on stderr unless -q', async () => {
    const r = await runCli(['scan', '127.0.0.1', '-p', `${greeter.port},${closed}`, '-f', 'jsonl']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^wasmap: 1 host \(1 up\), \d+ ports probed, 1 open, [\d.]+ s, [\d,]+ probes\/s\n$/);
  });
});

import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectRefusal, runCli } from './support/cli.js';

/** Every bad input ends in one line on stderr, exit status 2, and no stack trace. */
async function expectUsageError(args: string[], pattern: RegExp): Promise<void> {
  expectRefusal(await runCli(args), pattern);
}

describe('bad user input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmap-input-'));

  it('rejects an octet out of range', () => expectUsageError(['scan', '10.0.0.300', '-p', '80'], /10\.0\.0\.300/));
  it('rejects a bad CIDR prefix', () => expectUsageError(['scan', '10.0.0.0/33', '-p', '80'], /\/33/));
  it('rejects a reversed range', () => expectUsageError(['scan', '127.0.0.9-3', '-p', '80'], /127\.0\.0\.9-3/));
  it('rejects an absurdly large target before expanding it', () => expectUsageError(['scan', '::/64', '-p', '80'], /too large/));
  it('rejects a hostname that does not resolve', () => expectUsageError(['scan', 'nosuch.invalid', '-p', '80'], /nosuch\.invalid/));
  it('rejects a port out of range', () => expectUsageError(['scan', '127.0.0.1', '-p', '70000'], /70000/));
  it('rejects a reversed port range', () => expectUsageError(['scan', '127.0.0.1', '-p', '90-80'], /90-80/));
  it('rejects a port spec that is not ports', () => expectUsageError(['scan', '127.0.0.1', '-p', 'http'], /http/));
  it('rejects a non-numeric rate', () => expectUsageError(['scan', '127.0.0.1', '--rate', 'fast'], /--rate/));
  it('rejects a zero concurrency', () => expectUsageError(['scan', '127.0.0.1', '--concurrency', '0'], /--concurrency/));
  it('rejects an unknown output format', () => expectUsageError(['scan', '127.0.0.1', '-f', 'xml'], /xml/));
  it('rejects an unknown flag', () => expectUsageError(['scan', '127.0.0.1', '--frobnicate'], /frobnicate/));
  it('rejects an unknown state name', () => expectUsageError(['scan', '127.0.0.1', '--states', 'opne'], /opne/));
  it('rejects a scan with no targets', () => expectUsageError(['scan', '-p', '80'], /no targets/));
  it('rejects a missing target file', () => expectUsageError(['scan', '-iL', join(dir, 'nope.txt'), '-p', '80'], /nope\.txt/));
  it('rejects an output file that cannot be written', () => expectUsageError(['scan', '127.0.0.1', '-p', '80', '-o', join(dir, 'no/such/dir.json')], /cannot write/));
  it('rejects a bad line inside a target file, naming it', () => {
    const f = join(dir, 'bad.txt');
    writeFileSync(f, '127.0.0.1\n# a comment\n1.2.3.4.5\n');
    return expectUsageError(['scan', '-iL', f, '-p', '80'], /1\.2\.3\.4\.5/);
  });
  it('rejects a scan whose targets are all excluded', () => expectUsageError(['scan', '127.0.0.1', '--exclude', '127.0.0.0/8', '-p', '80'], /exclu/));
});

describe('help and version', () => {
  it('prints help with examples and exits 0', async () => {
    const r = await runCli(['scan', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--top-ports/);
    expect(r.stdout).toMatch(/Examples:/);
  });
  it('prints the version and exits 0', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('target lists and exclusions', () => {
  it('reads targets from -iL and leaves out --exclude and --exclude-file entries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmap-list-'));
    const list = join(dir, 'targets.txt');
    const ex = join(dir, 'exclude.txt');
    writeFileSync(list, '# loopback hosts\n127.0.0.1-6\n::1\n');
    writeFileSync(ex, '127.0.0.5\n');
    const r = await runCli(['scan', '-iL', list, '--exclude', '127.0.0.2,127.0.0.3', '--exclude-file', ex, '-p', '1', '--states', 'all', '-Pn', '-f', 'jsonl', '-q']);
    expect(r.code).toBe(0);
    const ips = r.stdout.trim().split('\n').map((l) => JSON.parse(l).target.ip).sort();
    expect(ips).toEqual(['127.0.0.1', '127.0.0.4', '127.0.0.6', '::1']);
  });
  it('reads targets from stdin with -iL -', async () => {
    const r = await runCli(['scan', '-iL', '-', '-p', '1', '--states', 'all', '-Pn', '-f', 'jsonl', '-q'], { input: '127.0.0.7\n127.0.0.8\n' });
    expect(r.code).toBe(0);
    const ips = r.stdout.trim().split('\n').map((l) => JSON.parse(l).target.ip).sort();
    expect(ips).toEqual(['127.0.0.7', '127.0.0.8']);
  });
});

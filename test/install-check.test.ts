// scripts/check-deps.mjs, the completeness check of scripts/install-deps.sh,
// run for real on this machine and made to see a gap without uninstalling
// anything: a package list that lacks a package, a PATH that lacks a program.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM module with JSDoc types
import { DEPS } from '../scripts/check-deps.table.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const script = join(repo, 'scripts', 'check-deps.mjs');
const realList = join(repo, '.ci', 'apt-packages.txt');
const tmp = mkdtempSync(join(tmpdir(), 'wasmap-check-deps-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Run { code: number; stdout: string; stderr: string }

function check(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { env, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}

const lines = (text: string): string[] => text.split('\n').filter(Boolean);

/** The real list minus `pkg`. */
function listWithout(pkg: string): string {
  const file = join(tmp, `apt-packages-without-${pkg}.txt`);
  writeFileSync(file, readFileSync(realList, 'utf8').split('\n').filter((l) => l.trim() !== pkg).join('\n'));
  return file;
}

/** A PATH of one directory linking every bare-named program of the table to where this PATH finds it, except `drop`. */
function pathWithout(drop: string, extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmp, 'path-'));
  const bare = (DEPS as { cmd: string }[]).map((d) => d.cmd).filter((c) => !c.startsWith('/'));
  for (const name of new Set(bare)) {
    if (name === drop || name in extra) continue;
    const found = process.env.PATH!.split(':').map((d) => join(d, name)).find((f) => existsSync(f));
    if (found) symlinkSync(found, join(dir, name));
  }
  for (const [name, target] of Object.entries(extra)) symlinkSync(target, join(dir, name));
  return dir;
}

describe('scripts/check-deps.mjs', () => {
  it('passes on this machine: every program is installed from a package .ci/apt-packages.txt installs', async () => {
    const r = await check(['--verbose']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // rust-lld is Debian's link to lld-14's lld, which the list now names
    expect(r.stdout).toMatch(/^rust-lld -> \/usr\/lib\/llvm-14\/bin\/lld +lld-14 \(listed\)$/m);
    expect(r.stdout).toMatch(/^check-deps: all \d+ programs and files/m);
  });

  it('names lld-14 in one line when the list lacks it, though it is installed here', async () => {
    const list = listWithout('lld-14');
    const r = await check(['--packages', list]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([`rust-lld -> /usr/lib/llvm-14/bin/lld is from lld-14, which nothing in ${list} installs: add lld-14 to ${list}`]);
  });

  it('says a dangling rust-lld is missing and which package to add, as on a fresh machine without lld-14', async () => {
    const list = listWithout('lld-14');
    const path = pathWithout('', { 'rust-lld': '/nonexistent/lld-14' });
    const r = await check(['--packages', list], { ...process.env, PATH: path });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([`rust-lld -> /nonexistent/lld-14 is missing: add lld-14 to ${list}`]);
  });

  it('names a program the PATH lacks', async () => {
    const path = pathWithout('nmap');
    const r = await check([], { ...process.env, PATH: path });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([`nmap is not on PATH (${path}): nmap is installed: is its directory on PATH?`]);
  });

  it('names a listed package that is not installed', async () => {
    const list = join(tmp, 'apt-packages-extra.txt');
    writeFileSync(list, `${readFileSync(realList, 'utf8')}\n# a comment\nwasmap-no-such-package\n`);
    const r = await check(['--packages', list]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toEqual([`wasmap-no-such-package is in ${list} but not installed: bash scripts/install-deps.sh`]);
  });

  it('refuses bad arguments with one line and exit 2', async () => {
    const unknown = await check(['--bogus']);
    expect(unknown.code).toBe(2);
    expect(lines(unknown.stderr)).toHaveLength(1);
    const missing = await check(['--packages', join(tmp, 'nope.txt')]);
    expect(missing.code).toBe(2);
    expect(lines(missing.stderr)).toEqual([expect.stringMatching(/^check-deps: cannot read the package list .*nope\.txt/)]);
  });
});

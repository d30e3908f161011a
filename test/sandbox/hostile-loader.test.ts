import { type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlugin, type LoadedPlugin, type PluginRuntime } from '../../src/sandbox/index.js';
import { transformPrecheck } from '../../src/sandbox/asyncify.js';
import { readWasm } from '../../src/sandbox/wasm-binary.js';
import { spawnCli } from '../support/cli.js';
import { tempDir, testRuntime } from './helpers/fixtures.js';
import { badNameForValidator, chainedSleeps, liveLocals } from './helpers/hostile-modules.js';
import { compileWat } from './helpers/wat.js';
import { closedPort as freePort } from '../support/listeners.js';

/**
 * Hostile modules aimed at the loader (issue #10, items 6 and 7): the
 * Asyncify transform runs in a helper process under a CPU and a memory
 * budget, what binaryen prints never reaches the terminal, and tables are
 * capped at load as memory is. Process facts (children, peak RSS) are read
 * from /proc.
 */

const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
/** The documented caps (docs/abi.md A1). */
const MAX_TABLE_ENTRIES = 100_000;
const MAX_TABLES = 4;

/** `/proc/<pid>/status` as a map, or undefined once the process is gone. */
function status(pid: number): Record<string, string> | undefined {
  try {
    return Object.fromEntries(
      readFileSync(`/proc/${pid}/status`, 'latin1')
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
    );
  } catch {
    return undefined;
  }
}

/** Live (not zombie) Asyncify helpers whose parent is `pid`. */
function helpersOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((p) => {
      const st = status(p);
      if (!st || st.PPid !== String(pid) || st.State?.startsWith('Z')) return false;
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'latin1').includes('asyncify-child');
      } catch {
        return false;
      }
    });
}

/** Polls `probe` every 50 ms until it returns a value, for at most `ms`. */
async function waitFor<T>(probe: () => T | undefined, ms: number): Promise<T | undefined> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    const v = probe();
    if (v !== undefined) return v;
  }
  return undefined;
}

/** Waits for `child` to exit, for at most `ms`; kills it (and reports null) past that. */
function exitOf(child: ChildProcess, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, ms);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

function collect(child: ChildProcess): { out: string; err: string } {
  const text = { out: '', err: '' };
  child.stdout!.on('data', (d: Buffer) => (text.out += d.toString('latin1')));
  child.stderr!.on('data', (d: Buffer) => (text.err += d.toString('latin1')));
  return text;
}


async function refusal(bytes: Uint8Array, opts: Parameters<typeof loadPlugin>[1]): Promise<{ code: string; message: string }> {
  try {
    await loadPlugin(bytes, opts);
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('expected the plugin to be refused');
}

function writePlugin(dir: string, name: string, bytes: Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

describe('Asyncify at load, against hostile modules', () => {
  it('refuses 100,000 chained waiting functions before binaryen starts', async () => {
    const e = await refusal(chainedSleeps(100_000), { cacheDir: tempDir('cache') });
    expect(e.code).toBe('WASMAP_PLUGIN_LOAD');
    expect(e.message).toContain('module defines 100003 functions, above the 20000 the transform accepts');
  });

  it('stops the transform of 19,000 chained waiting functions at its CPU budget and names the budget', async () => {
    const e = await refusal(chainedSleeps(19_000), { cacheDir: tempDir('cache'), transformLimits: { cpuMs: 2000 } });
    expect(e.code).toBe('WASMAP_PLUGIN_LOAD');
    expect(e.message).toMatch(/Asyncify transform exceeded 2 s of CPU time$/);
    expect(helpersOf(process.pid)).toEqual([]); // killed, not left computing
  });

  it('stops the transform when the load is aborted, and kills its helper', async () => {
    const ac = new AbortController();
    const load = refusal(chainedSleeps(19_000), { cacheDir: tempDir('cache'), signal: ac.signal });
    const helper = await waitFor(() => helpersOf(process.pid)[0], 30_000);
    expect(helper).toBeDefined();
    ac.abort();
    expect((await load).message).toMatch(/Asyncify transform interrupted$/);
    expect(status(helper!)?.State ?? 'gone').toMatch(/^(gone|Z)/);
  });

  it('refuses a module that makes binaryen allocate past its memory budget, naming the budget', async () => {
    // 400 waits × 5,000 live locals: binaryen alone would take gigabytes ("failed: undefined" once)
    const e = await refusal(liveLocals(400, 5000), { cacheDir: tempDir('cache'), transformLimits: { memoryMiB: 256, cpuMs: 600_000 } });
    expect(e.code).toBe('WASMAP_PLUGIN_LOAD');
    expect(e.message).toMatch(/Asyncify transform exceeded 256 MiB$/);
  }, 120_000);

  it('refuses a bad budget from the caller as a usage error', async () => {
    await expect(loadPlugin(compileWat('echo-line'), { transformLimits: { cpuMs: 0 } })).rejects.toMatchObject({
      code: 'WASMAP_USAGE',
      message: 'transformLimits.cpuMs must be an integer from 1 to 3600000',
    });
    await expect(loadPlugin(compileWat('echo-line'), { transformLimits: { memoryMiB: 8 } })).rejects.toMatchObject({
      code: 'WASMAP_USAGE',
      message: 'transformLimits.memoryMiB must be an integer from 64 to 4096',
    });
  });

  it("keeps binaryen's validator dump, naming functions as the plugin chose, out of the message", async () => {
    const e = await refusal(badNameForValidator('\x1b]0;PWNED\x07\x1b[2J'), { cacheDir: tempDir('cache') });
    expect(e.message).toMatch(/^plugin \(bad-name\): Asyncify transform failed: the module uses features the transform does not support/);
    expect(e.message).not.toMatch(CONTROL);
    expect(e.message).toContain('\\x1b]0;PWNED\\x07\\x1b[2J'); // shown, harmless
  });
});

describe('wasmap scan with a hostile plugin (built CLI)', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('hostile-cli');
  });
  const env = (): Record<string, string> => ({ XDG_CACHE_HOME: join(dir, 'cache') });

  it('honours a SIGINT while the plugin is being transformed: the helper dies and the scan ends as interrupted', async () => {
    const file = writePlugin(dir, 'huge.wasm', chainedSleeps(19_000));
    const cli = spawnCli(['scan', '127.0.0.1', '-p', String(await freePort()), '--profile', 'ports', '--plugin', file], { env: env() });
    const text = collect(cli);
    const helper = await waitFor(() => helpersOf(cli.pid!)[0], 30_000);
    cli.kill('SIGINT');
    const exit = await exitOf(cli, 30_000);
    expect(helper).toBeDefined(); // the transform ran in a helper process
    // 130: interrupted; 2: a refused --plugin stops the scan (the CLI's policy, either is an answer)
    expect(exit?.signal).toBeNull();
    expect(exit?.code).toBe(130); // a load cut short by the signal is an interruption, not a refusal
    expect(text.err).toMatch(/interrupted by SIGINT before the scan started/);
    expect(status(helper!)?.State ?? 'gone').toMatch(/^(gone|Z)/);
  }, 90_000);

  it("never lets binaryen's output reach the terminal", async () => {
    const file = writePlugin(dir, 'bad-name.wasm', badNameForValidator('\x1b]0;PWNED\x07\x1b[2J'));
    const cli = spawnCli(['scan', '127.0.0.1', '-p', String(await freePort()), '--profile', 'ports', '--plugin', file], { env: env() });
    const text = collect(cli);
    const exit = await exitOf(cli, 60_000);
    expect([0, 2]).toContain(exit?.code); // the scan ran without it, or stopped on the refusal (CLI policy)
    expect(text.err).toContain('plugin bad-name.wasm refused');
    expect(text.out).not.toMatch(CONTROL);
    expect(text.err).not.toMatch(CONTROL);
    expect(text.err).not.toContain('(i32.atomic.load'); // binaryen's dump: only its first line, escaped, inside the refusal
    expect(text.err.split('\n').filter((l) => l.includes('PWNED'))).toHaveLength(1);
  }, 90_000);

  it('keeps a four-table growth bomb small: each grow gets -1 at the cap, and the stopped worker lets the scan end', async () => {
    const server: Server = createServer((s) => s.on('error', () => {}));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as { port: number }).port;
      const file = writePlugin(dir, 'table-bomb.wasm', compileWat('table-bomb'));
      const cli = spawnCli(['scan', '127.0.0.1', '-p', String(port), '--profile', 'ports', '--plugin', file, '--format', 'jsonl'], { env: env() });
      const text = collect(cli);
      let peakKb = 0;
      const sample = setInterval(() => {
        const hwm = status(cli.pid!)?.VmHWM;
        if (hwm) peakKb = Math.max(peakKb, parseInt(hwm, 10));
      }, 20);
      const exit = await exitOf(cli, 60_000);
      clearInterval(sample);
      expect(exit).not.toBeNull(); // it ended by itself
      expect(peakKb).toBeGreaterThan(0);
      // measured: 94 MiB capped; 923 MiB uncapped, and 17 s before the process could exit (a grow cannot be interrupted)
      expect(peakKb).toBeLessThan(512 * 1024);
      expect(text.out).toMatch(/"limit":"cpu_ms"/); // the spin after the grows was what stopped it
    } finally {
      await new Promise((r) => server.close(r));
    }
  }, 90_000);
});

describe('tables at load', () => {
  let rt: PluginRuntime;
  beforeAll(() => {
    rt = testRuntime();
  });
  afterAll(async () => {
    await rt.close();
  });

  it('caps a table without a maximum at 100,000 entries: table.grow past it returns -1', async () => {
    const p: LoadedPlugin = await rt.load(compileWat('table-grow'));
    const r = await rt.invoke(p, { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' } });
    expect(r.status).toBe('success');
    expect(r.data).toEqual([1, -1, MAX_TABLE_ENTRIES]); // grew to the cap, then no further
    expect(readWasm(p.runBytes).tables).toEqual([{ elem: 'funcref', initial: 1, maximum: MAX_TABLE_ENTRIES }]);
  });

  it('refuses a table that starts above the cap', async () => {
    const e = await refusal(compileWat('table-initial'), {});
    expect(e.code).toBe('WASMAP_PLUGIN_LOAD');
    expect(e.message).toContain(`table 0 starts with 100001 entries, above the limit of ${MAX_TABLE_ENTRIES}`);
  });

  it('refuses more tables than allowed', async () => {
    const e = await refusal(compileWat('tables-many'), {});
    expect(e.message).toContain(`module defines 5 tables (at most ${MAX_TABLES})`);
  });

  it('lets every bundled plugin through the table limits and the transform pre-check', () => {
    const plugins = fileURLToPath(new URL('../../dist/plugins/', import.meta.url));
    const files = readdirSync(plugins).filter((f) => f.endsWith('.wasm'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const info = readWasm(readFileSync(join(plugins, f)));
      expect(info.tables.length, f).toBeGreaterThan(0);
      expect(info.tables.length, f).toBeLessThanOrEqual(MAX_TABLES);
      for (const t of info.tables) expect(t.maximum ?? t.initial, f).toBeLessThanOrEqual(MAX_TABLE_ENTRIES);
      expect(transformPrecheck(info), f).toBeUndefined();
      expect(info.functions, f).toBeGreaterThan(0);
    }
  });
});

/**
 * `plugin test --config/--limit` and `scan --plugin-config/--plugin-limit`
 * read their values with one parser each (engine/config-schema.ts
 * parseConfigAssignment, sandbox/limits.ts parseLimitFlags), so the two
 * commands accept and refuse the same settings; and a plugin that fails
 * shows its trap code beside its error in both.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonl, runCli } from './support/cli.js';
import { listen, type Listener } from './support/listeners.js';
import { compileWat } from './sandbox/helpers/wat.js';

const tmp = mkdtempSync(join(tmpdir(), 'wasmap-plugin-cli-config-'));
// init-counter returns {data: [inits, runs]} and refuses a config holding "refuse"
const wasm = join(tmp, 'flagged.wasm');
writeFileSync(wasm, compileWat('init-counter', { abi: 1, name: 'flagged', version: '1.0.0', kind: 'scanner', config: { tls: { type: 'bool' }, refuse: { type: 'bool' } } }));

let open: Listener;
beforeAll(async () => {
  open = await listen('127.0.0.1');
});
afterAll(() => open.close());

const pluginTest = (...extra: string[]) => runCli(['plugin', 'test', wasm, '--target', `127.0.0.1:${open.port}`, ...extra]);
const scan = (...extra: string[]) => runCli(['scan', '127.0.0.1', '-p', String(open.port), '-Pn', '--plugin', wasm, '-f', 'jsonl', '-q', ...extra]);
const flaggedEvent = (stdout: string) => parseJsonl(stdout).find((e) => e.origin?.type === 'flagged');

describe('plugin test and scan read config and limits alike', () => {
  it('both take a bool config written yes, as true', async () => {
    const t = await pluginTest('--config', 'tls=yes', '--json');
    expect(t.code, t.stderr).toBe(0);
    expect(JSON.parse(t.stdout).config.tls).toBe(true);
    const s = await scan('--plugin-config', 'flagged.tls=yes');
    expect(s.code, s.stderr).toBe(0);
    expect(flaggedEvent(s.stdout).result.status).toBe('success');
  });

  it('both refuse a bool config that is not one, with the same words and exit 2', async () => {
    const t = await pluginTest('--config', 'tls=maybe');
    const s = await scan('--plugin-config', 'flagged.tls=maybe');
    for (const r of [t, s]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('wasmap: error: config tls=maybe: expected a bool (true/false)\n');
    }
  });

  it('both refuse an unknown limit and an out-of-range one, naming their flag', async () => {
    const t = await pluginTest('--limit', 'disk_mb=1');
    const s = await scan('--plugin-limit', 'disk_mb=1');
    expect([t.code, s.code]).toEqual([2, 2]);
    expect(t.stderr).toMatch(/^wasmap: error: bad --limit 'disk_mb=1': unknown limit "disk_mb" \(known: memory_mb, /);
    expect(s.stderr).toMatch(/^wasmap: error: bad --plugin-limit 'disk_mb=1': unknown limit "disk_mb" \(known: memory_mb, /);
    const t2 = await pluginTest('--limit', 'memory_mb=4096');
    const s2 = await scan('--plugin-limit', 'memory_mb=4096');
    expect(t2.stderr).toBe(`wasmap: error: bad --limit 'memory_mb=4096': limit "memory_mb" must be at most 2048\n`);
    expect(s2.stderr).toBe(`wasmap: error: bad --plugin-limit 'memory_mb=4096': limit "memory_mb" must be at most 2048\n`);
  });

  it('shows the trap code beside the error: plugin test on its error line, scan in result.sandbox', async () => {
    const t = await pluginTest('--config', 'refuse=on');
    expect(t.code).toBe(1);
    expect(t.stdout).toMatch(/^error {5}wasmap_init refused the config \(returned 1\) \[sandbox\.plugin\.init_refused\]$/m);
    const s = await scan('--plugin-config', 'flagged.refuse=on');
    expect(s.code, s.stderr).toBe(0);
    const ev = flaggedEvent(s.stdout);
    expect(ev.result.error).toBe('wasmap_init refused the config (returned 1)');
    expect(ev.result.sandbox.code).toBe('sandbox.plugin.init_refused');
  });
});

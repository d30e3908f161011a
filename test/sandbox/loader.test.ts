import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlugin } from '../../src/sandbox/index.js';
import { readWasm } from '../../src/sandbox/wasm-binary.js';
import { compileWat, withCustomSection } from './helpers/wat.js';
import { tempDir } from './helpers/fixtures.js';

const base = { abi: 1, name: 'p', version: '1.0.0', kind: 'detection' };

/** The load error of `bytes`, or a failure when it loads. */
async function refusal(bytes: Uint8Array | string, opts?: Parameters<typeof loadPlugin>[1]): Promise<{ code: string; message: string }> {
  try {
    await loadPlugin(bytes, opts);
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('expected the plugin to be refused');
}

describe('loadPlugin', () => {
  it('loads a well-formed plugin and describes it', async () => {
    const p = await loadPlugin(compileWat('banner-match'));
    expect(p.manifest).toMatchObject({ abi: 1, name: 'banner-match', kind: 'detection', requires: ['banner'], capabilities: [] });
    expect(p.exports).toEqual(expect.arrayContaining(['memory', 'wasmap_abi_v1', 'wasmap_alloc', 'wasmap_run']));
    expect(p.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(p.asyncified).toBe(false); // no waiting host call: no transform
    expect(p.limits.memory_mb).toBe(64);
  });

  it('refuses a module without a manifest section', async () => {
    const e = await refusal(compileWat('no-manifest'));
    expect(e.code).toBe('WASMAP_PLUGIN_LOAD');
    expect(e.message).toMatch(/no wasmap.manifest custom section/);
  });

  it('refuses a manifest that is not msgpack', async () => {
    const wasm = compileWat('no-manifest');
    const e = await refusal(withCustomSection(wasm, 'wasmap.manifest', Buffer.from([0x82, 0xa3, 0x61])));
    expect(e.message).toMatch(/malformed manifest: truncated msgpack/);
  });

  it('refuses two manifest sections', async () => {
    const once = compileWat('banner-match');
    const twice = withCustomSection(once, 'wasmap.manifest', Buffer.from([0x80]));
    expect((await refusal(twice)).message).toMatch(/2 wasmap.manifest sections/);
  });

  it.each([
    [{ ...base, abi: 2 }, /manifest.abi is 2; this host speaks ABI 1/],
    [{ ...base, name: 'Bad_Name' }, /manifest.name must match/],
    [{ ...base, name: 'a'.repeat(65) }, /manifest.name must match .* at most 64/],
    [{ ...base, version: '1.0' }, /manifest.version "1.0" is not a semantic version/],
    [{ ...base, kind: 'exploit' }, /manifest.kind must be one of/],
    [{ ...base, capabilities: ['network', 'filesystem'] }, /manifest.capabilities\[1\] "filesystem" is unknown/],
    [{ ...base, match: { ports: [80, 70000] } }, /manifest.match.ports\[1\] must be a port number/],
    [{ ...base, match: { transport: 'sctp' } }, /manifest.match.transport must be "tcp" or "udp"/],
    [{ ...base, config: { retries: { type: 'number' } } }, /manifest.config "retries": type must be one of/],
    [{ ...base, config: { retries: { type: 'int', default: 'x' } } }, /manifest.config default of config key "retries": expected int/],
    [{ ...base, config: { retries: { type: 'int', mn: 1 } } }, /manifest.config "retries": unknown field attribute "mn"/],
    [{ ...base, limits: { cpu_ms: -5 } }, /manifest.limits.cpu_ms must be a positive integer/],
    [{ ...base, limits: { gpu: 1 } }, /manifest.limits.gpu unknown limit/],
    [{ ...base, requires: 'banner' }, /manifest.requires must be a list of strings/],
    [{ abi: 1, version: '1.0.0', kind: 'scanner' }, /manifest.name is missing/],
  ])('refuses an invalid manifest, naming the field (%#)', async (manifest, why) => {
    const e = await refusal(compileWat('banner-match', manifest));
    expect(e.code).toBe('WASMAP_PLUGIN_LOAD');
    expect(e.message).toMatch(why);
  });

  it('names every offending import, including a known name with the wrong signature', async () => {
    const e = await refusal(compileWat('unknown-import'));
    expect(e.message).toContain('env.system');
    expect(e.message).toContain('wasmap.exec');
    expect(e.message).toContain('wasmap.log (signature (i64) -> (), expected (i32, i32, i32) -> ())');
    expect(e.message).not.toContain('wasmap.emit');
  });

  it('names every missing or mistyped export', async () => {
    const e = await refusal(compileWat('missing-exports'));
    expect(e.message).toContain('missing export wasmap_alloc');
    expect(e.message).toContain('missing export wasmap_run');
    expect(e.message).toContain('export wasmap_init must be a function (i32, i32) -> (i32)');
  });

  it('refuses a file over the size cap before reading it', async () => {
    const dir = tempDir('big');
    const file = join(dir, 'big.wasm');
    writeFileSync(file, Buffer.alloc(2048));
    expect((await refusal(file, { maxBytes: 1024 })).message).toMatch(/2048 bytes, larger than the 1024-byte limit/);
  });

  it('refuses a path that is missing or not a file', async () => {
    const dir = tempDir('notfile');
    expect(await refusal(join(dir, 'nope.wasm'))).toMatchObject({ code: 'WASMAP_PLUGIN_LOAD', message: expect.stringContaining('cannot open (ENOENT)') });
    expect(await refusal(dir)).toMatchObject({ code: 'WASMAP_PLUGIN_LOAD', message: expect.stringContaining('not a regular file') });
  });

  it('refuses bytes that are not WebAssembly', async () => {
    expect((await refusal(Buffer.from('#!/bin/sh\necho hi\n'))).message).toMatch(/not a valid WebAssembly module/);
  });

  it('caps a memory without a maximum, and one above the limit, at memory_mb', async () => {
    const noMax = await loadPlugin(compileWat('memory-bomb'), { limits: { memory_mb: 8 } });
    expect(readWasm(noMax.runBytes).memories[0]).toMatchObject({ initial: 2, maximum: 8 * 16 });
    const big = await loadPlugin(compileWat('trap')); // declares a 4 GiB maximum
    expect(readWasm(big.runBytes).memories[0]).toMatchObject({ initial: 2, maximum: 64 * 16 });
    const small = await loadPlugin(compileWat('huge-output'), { limits: { memory_mb: 4 } }); // 40 pages, max 40: kept
    expect(readWasm(small.runBytes).memories[0]).toMatchObject({ initial: 40, maximum: 40 });
  });

  it('refuses a memory whose initial size is above the limit', async () => {
    const e = await refusal(compileWat('huge-output'), { limits: { memory_mb: 2 } });
    expect(e.message).toMatch(/memory starts at 2.5 MiB, above the memory_mb limit of 2/);
  });

  it('lets the manifest lower a limit but never raise it', async () => {
    const lower = await loadPlugin(compileWat('banner-match', { ...base, limits: { cpu_ms: 50, wall_ms: 999999 } }), { limits: { wall_ms: 2000 } });
    expect(lower.limits).toMatchObject({ cpu_ms: 50, wall_ms: 2000 });
  });

  it('asyncifies a plugin that waits on the network and caches the result by sha256', async () => {
    const cacheDir = tempDir('asyncify');
    const bytes = compileWat('echo-line');
    const first = await loadPlugin(bytes, { cacheDir });
    expect(first.asyncified).toBe(true);
    expect(first.exports).not.toContain('asyncify_start_unwind'); // exports describe the plugin, not the transform
    expect(readWasm(first.runBytes).exports.map((e) => e.name)).toContain('asyncify_start_unwind');
    const files = readdirSync(cacheDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^${first.sha256}-[0-9a-f]{12}\\.wasm$`));
    // A second load reads the cache: replace the entry with a marked copy and see it used.
    const marked = withCustomSection(readWasmBytes(cacheDir, files[0]!), 'cache-marker', Buffer.from('x'));
    writeFileSync(join(cacheDir, files[0]!), marked);
    const second = await loadPlugin(bytes, { cacheDir });
    expect(readWasm(second.runBytes).customSections.map((s) => s.name)).toContain('cache-marker');
  });

  it('re-checks cached bytes: a tampered cache entry cannot add imports', async () => {
    const cacheDir = tempDir('asyncify');
    const bytes = compileWat('echo-line');
    const first = await loadPlugin(bytes, { cacheDir });
    const evil = compileWat('unknown-import', { ...base });
    writeFileSync(join(cacheDir, readdirSync(cacheDir)[0]!), evil);
    const e = await refusal(bytes, { cacheDir });
    expect(e.message).toMatch(/transformed module imports env.system/);
    expect(existsSync(cacheDir)).toBe(true);
    expect(first.sha256).toHaveLength(64);
  });
});

function readWasmBytes(dir: string, f: string): Uint8Array {
  return new Uint8Array(readFileSync(join(dir, f)));
}

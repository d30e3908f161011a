import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './fixtures.js';
import { packManifest, withCustomSection } from './wat.js';
import { uleb } from '../../../src/authoring/pack.js';

/**
 * Plugins too big to keep as files, or with bytes WAT cannot spell, built
 * from WAT text here (`wat2wasm`) with a manifest section. Each one attacks
 * the Asyncify transform at load (issue #10, item 6).
 */

/** The exports every plugin needs, and the waiting import the transform instruments. */
const PRELUDE = `
  (import "wasmap" "sleep_ms" (func $sleep (param i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "wasmap_abi_v1"))
  (func (export "wasmap_alloc") (param i32) (result i32) (i32.const 1024))`;

let dir: string | undefined;

function build(name: string, wat: string, watFlags: string[] = []): Uint8Array {
  dir ??= tempDir('hostile-wasm');
  const src = join(dir, `${name}.wat`);
  const out = join(dir, `${name}.wasm`);
  writeFileSync(src, wat);
  execFileSync('wat2wasm', [...watFlags, src, '-o', out]);
  return readFileSync(out);
}

const manifest = (name: string): Uint8Array => packManifest({ abi: 1, name, version: '1.0.0', kind: 'detection' });

/**
 * `n` functions, each calling `sleep_ms` and then the next: every one can
 * reach a waiting call, so Asyncify instruments all of them (minutes for
 * 100,000 when it ran on the loader's thread).
 */
export function chainedSleeps(n: number): Uint8Array {
  const parts = ['(module', PRELUDE, '  (func (export "wasmap_run") (param i32 i32) (result i64) (call $f0) (i64.const 0))'];
  for (let i = 0; i < n; i++) parts.push(`  (func $f${i} (drop (call $sleep (i32.const 1)))${i + 1 < n ? ` (call $f${i + 1})` : ''})`);
  parts.push(')');
  return withCustomSection(build(`chain-${n}`, parts.join('\n')), 'wasmap.manifest', manifest('chained-sleeps'));
}

/**
 * One function declaring `locals` locals (a few bytes: one declaration), all
 * live across each of `calls` sleep calls: Asyncify saves and restores each
 * at each call, `calls × locals` of them (gigabytes of binaryen heap for
 * 100 × 20,000 in an 84 KB module).
 */
export function liveLocals(calls: number, locals: number): Uint8Array {
  const parts = ['(module', PRELUDE, '  (func (export "wasmap_run") (param i32 i32) (result i64) (call $f) (i64.const 0))', `  (func $f (local ${'i32 '.repeat(locals)})`];
  for (let i = 0; i < calls; i++) parts.push('    (drop (call $sleep (i32.const 1)))');
  parts.push('    (local.get 0)');
  for (let j = 1; j < locals; j++) parts.push(`    (i32.add (local.get ${j}))`);
  parts.push('    (drop))', ')');
  return withCustomSection(build(`live-${calls}x${locals}`, parts.join('\n')), 'wasmap.manifest', manifest('live-locals'));
}


/**
 * A module V8 accepts but binaryen's validator rejects (an atomic load: the
 * transform does not enable threads), whose `name` section gives the failing
 * function (`wasmap_run`, index 3) the name `evilName`. binaryen prints a
 * validator dump naming it.
 */
export function badNameForValidator(evilName: string): Uint8Array {
  const wat = `(module ${PRELUDE}
  (func (export "wasmap_run") (param i32 i32) (result i64)
    (drop (call $sleep (i32.atomic.load (i32.const 0))))
    (i64.const 0)))`;
  const wasm = build('bad-name', wat, ['--enable-threads']);
  const name = [...Buffer.from(evilName)];
  const entries = [...uleb(1), ...uleb(3), ...uleb(name.length), ...name]; // one entry: function 3 (import 0, abi 1, alloc 2, run 3)
  const names = Uint8Array.from([1, ...uleb(entries.length), ...entries]); // subsection 1: function names
  return withCustomSection(withCustomSection(wasm, 'name', names), 'wasmap.manifest', manifest('bad-name'));
}

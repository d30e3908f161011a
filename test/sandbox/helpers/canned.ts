import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from '../../../src/sandbox/msgpack.js';
import { packManifest, withCustomSection } from './wat.js';

/**
 * A hostile (or control) plugin that does exactly what a test says, written
 * as WAT and compiled by `wat2wasm`: it connects to each `connects` entry in
 * order (`tcp_connect`, closing what opened), emits each `emits` map, then
 * returns `output` — or, when it connected, `{data: [rc, ...]}` with each
 * connect's return code, so a test sees what the host answered.
 */
export interface CannedPlugin {
  manifest: Record<string, unknown>;
  emits?: unknown[];
  output?: unknown;
  connects?: Array<{ host: string; port: number }>;
  /**
   * Repeats an empty operation up to `times` or until the host answers < 0:
   * an empty datagram (`udp`, on one socket to host:port), connect+close
   * (`tcp`), an empty log line (`log`), an empty map emitted (`emit`). Each
   * adds [count done, last return code] to the returned data.
   */
  floods?: Array<{ op: 'udp' | 'tcp' | 'log' | 'emit'; times: number; host?: string; port?: number }>;
  /** Wraps the floods in `try … catch_all` (wasm exception handling), as a plugin hiding host errors would. */
  catchAll?: boolean;
  /** Sleeps this long (`sleep_ms`) after its emits, before returning. */
  sleepMs?: number;
}

const bytesLiteral = (b: Uint8Array): string => [...b].map((x) => `\\${x.toString(16).padStart(2, '0')}`).join('');

export function cannedPlugin(spec: CannedPlugin): Uint8Array {
  const segments: string[] = [];
  let at = 0x1000;
  const place = (b: Uint8Array): { ptr: number; len: number } => {
    const ptr = at;
    segments.push(`(data (i32.const ${ptr}) "${bytesLiteral(b)}")`);
    at = (at + b.length + 15) & ~7;
    return { ptr, len: b.length };
  };
  const body: string[] = [];
  const connects = spec.connects ?? [];
  // result area: fixarray header then one int32 (0xd2 + 4 bytes) per connect
  const rcArea = 0x8000;
  connects.forEach((c, i) => {
    const host = place(new TextEncoder().encode(c.host));
    body.push(
      `(local.set $rc (call $connect (i32.const ${host.ptr}) (i32.const ${host.len}) (i32.const ${c.port}) (i32.const 2000)))`,
      `(if (i32.gt_s (local.get $rc) (i32.const 0)) (then (drop (call $close (local.get $rc)))))`,
      `(i32.store8 (i32.const ${rcArea + 1 + i * 5}) (i32.const 0xd2))`,
      `(i32.store (i32.const ${rcArea + 2 + i * 5}) (call $bswap (local.get $rc)))`,
    );
  });
  let slot = connects.length;
  const result = (count: string, rc: string): string[] => {
    const lines = [
      `(i32.store8 (i32.const ${rcArea + 1 + slot * 5}) (i32.const 0xd2))`,
      `(i32.store (i32.const ${rcArea + 2 + slot * 5}) (call $bswap ${count}))`,
      `(i32.store8 (i32.const ${rcArea + 1 + (slot + 1) * 5}) (i32.const 0xd2))`,
      `(i32.store (i32.const ${rcArea + 2 + (slot + 1) * 5}) (call $bswap ${rc}))`,
    ];
    slot += 2;
    return lines;
  };
  const floods: string[] = [];
  const empty = place(new Uint8Array([0x80]));
  for (const f of spec.floods ?? []) {
    const host = place(new TextEncoder().encode(f.host ?? '127.0.0.1'));
    const step = {
      udp: `(local.set $rc (call $send (local.get $h) (i32.const 0) (i32.const 0)))`,
      tcp: `(local.set $rc (call $connect (i32.const ${host.ptr}) (i32.const ${host.len}) (i32.const ${f.port ?? 1}) (i32.const 2000)))
        (if (i32.gt_s (local.get $rc) (i32.const 0)) (then (drop (call $close (local.get $rc)))))`,
      log: `(call $log (i32.const 1) (i32.const 0) (i32.const 0)) (local.set $rc (i32.const 0))`,
      emit: `(local.set $rc (call $emit (i32.const ${empty.ptr}) (i32.const ${empty.len})))`,
    }[f.op];
    const lines = [
      `(local.set $n (i32.const 0)) (local.set $rc (i32.const 0))`,
      f.op === 'udp' ? `(local.set $h (call $udp_open (i32.const ${host.ptr}) (i32.const ${host.len}) (i32.const ${f.port ?? 1})))` : '',
      `(block $done (loop $more
        ${step}
        (br_if $done (i32.lt_s (local.get $rc) (i32.const 0)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br_if $more (i32.lt_u (local.get $n) (i32.const ${f.times})))))`,
    ];
    floods.push(...lines, ...result('(local.get $n)', '(local.get $rc)'));
  }
  if (floods.length) body.push(spec.catchAll ? `(try (do ${floods.join('\n')}) (catch_all))` : floods.join('\n'));
  for (const e of spec.emits ?? []) {
    const m = place(encode(e));
    body.push(`(drop (call $emit (i32.const ${m.ptr}) (i32.const ${m.len})))`);
  }
  if (spec.sleepMs !== undefined) body.push(`(drop (call $sleep (i32.const ${spec.sleepMs})))`);
  let ret = '(i64.const 0)';
  if (slot > 0) {
    // {data: [...]}: 0x81 "data" prefix placed right before the array
    const prefix = new Uint8Array([0x81, 0xa4, 0x64, 0x61, 0x74, 0x61]);
    body.push(`(i32.store8 (i32.const ${rcArea}) (i32.const ${0x90 + slot}))`);
    segments.push(`(data (i32.const ${rcArea - prefix.length}) "${bytesLiteral(prefix)}")`);
    ret = `(i64.const ${(BigInt(rcArea - prefix.length) << 32n) | BigInt(prefix.length + 1 + slot * 5)})`;
  } else if (spec.output !== undefined) {
    const o = place(encode(spec.output));
    ret = `(i64.const ${(BigInt(o.ptr) << 32n) | BigInt(o.len)})`;
  }
  // only what is used: a plugin with no waiting import runs without Asyncify (which reads no exception handling)
  const ops = new Set((spec.floods ?? []).map((f) => f.op));
  const imports = [
    '(import "wasmap" "emit" (func $emit (param i32 i32) (result i32)))',
    ...(connects.length || ops.has('tcp') ? ['(import "wasmap" "tcp_connect" (func $connect (param i32 i32 i32 i32) (result i32)))', '(import "wasmap" "close" (func $close (param i32) (result i32)))'] : []),
    ...(ops.has('udp') ? ['(import "wasmap" "udp_open" (func $udp_open (param i32 i32 i32) (result i32)))', '(import "wasmap" "send" (func $send (param i32 i32 i32) (result i32)))'] : []),
    ...(ops.has('log') ? ['(import "wasmap" "log" (func $log (param i32 i32 i32)))'] : []),
    ...(spec.sleepMs !== undefined ? ['(import "wasmap" "sleep_ms" (func $sleep (param i32) (result i32)))'] : []),
  ];
  const wat = `(module
  ${imports.join('\n  ')}
  (memory (export "memory") 16)
  (global $heap (mut i32) (i32.const 0x10000))
  (func (export "wasmap_abi_v1"))
  (func (export "wasmap_alloc") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.and (i32.add (i32.add (local.get $p) (local.get $n)) (i32.const 7)) (i32.const -8)))
    (local.get $p))
  (func (export "wasmap_free") (param i32 i32) (global.set $heap (i32.const 0x10000)))
  (func $bswap (param $x i32) (result i32)
    (i32.or (i32.or (i32.shl (local.get $x) (i32.const 24)) (i32.shl (i32.and (local.get $x) (i32.const 0xff00)) (i32.const 8)))
      (i32.or (i32.and (i32.shr_u (local.get $x) (i32.const 8)) (i32.const 0xff00)) (i32.shr_u (local.get $x) (i32.const 24)))))
  (func (export "wasmap_run") (param i32 i32) (result i64)
    (local $rc i32) (local $n i32) (local $h i32)
    ${body.join('\n    ')}
    ${ret})
  ${segments.join('\n  ')})`;
  const dir = mkdtempSync(join(tmpdir(), 'wasmap-canned-'));
  writeFileSync(join(dir, 'p.wat'), wat);
  execFileSync('wat2wasm', [...(spec.catchAll ? ['--enable-exceptions'] : []), join(dir, 'p.wat'), '-o', join(dir, 'p.wasm')]);
  return withCustomSection(readFileSync(join(dir, 'p.wasm')), 'wasmap.manifest', packManifest(spec.manifest));
}

import { WASI_SIGNATURES } from './wasi-signatures.js';
import { signature, type FuncType, type WasmInfo } from './wasm-binary.js';

/**
 * The import allow-list with signatures (ABI §1, §4, §5). JS host functions
 * accept any wasm signature, so the loader checks them here: a plugin that
 * declares `wasmap.log` with the wrong types is refused, not mis-called.
 */

const f = (params: string, results = ''): FuncType => ({
  params: params ? params.split(',') : [],
  results: results ? results.split(',') : [],
});

export const WASMAP_SIGNATURES: Record<string, FuncType> = {
  log: f('i32,i32,i32'),
  emit: f('i32,i32', 'i32'),
  now_ms: f('', 'i64'),
  time_left_ms: f('', 'i64'),
  sleep_ms: f('i32', 'i32'),
  tcp_connect: f('i32,i32,i32,i32', 'i32'),
  udp_open: f('i32,i32,i32', 'i32'),
  tls_upgrade: f('i32,i32,i32,i32', 'i32'),
  tls_info: f('i32,i32,i32', 'i32'),
  send: f('i32,i32,i32', 'i32'),
  recv: f('i32,i32,i32,i32', 'i32'),
  close: f('i32', 'i32'),
  resolve: f('i32,i32,i32,i32', 'i32'),
  browse: f('i32,i32,i32,i32,i32', 'i32'),
};

/** AssemblyScript's runtime imports, routed to the plugin log. */
export const ENV_SIGNATURES: Record<string, FuncType> = {
  abort: f('i32,i32,i32,i32'),
  trace: f('i32,i32,f64,f64,f64,f64,f64'),
  seed: f('', 'f64'),
};

const TABLES: Record<string, Record<string, FuncType>> = {
  wasmap: WASMAP_SIGNATURES,
  wasi_snapshot_preview1: WASI_SIGNATURES,
  env: ENV_SIGNATURES,
};

/** Host calls that wait: the plugin is suspended (Asyncify) while they run. */
export const ASYNC_IMPORTS_V1 = ['tcp_connect', 'udp_open', 'tls_upgrade', 'send', 'recv', 'sleep_ms', 'resolve'].map((n) => `wasmap.${n}`);
/** With the waiting calls added since (A12 `browse`). */
export const ASYNC_IMPORTS = [...ASYNC_IMPORTS_V1, 'wasmap.browse'];

const same = (a: FuncType, b: FuncType): boolean =>
  a.params.join() === b.params.join() && a.results.join() === b.results.join();

/** Every import the host does not provide, as `module.name (why)`; empty when all link. */
export function offendingImports(info: WasmInfo): string[] {
  const bad: string[] = [];
  for (const imp of info.imports) {
    const id = `${imp.module}.${imp.name}`;
    const want = TABLES[imp.module]?.[imp.name];
    if (!want || !Object.hasOwn(TABLES[imp.module]!, imp.name)) bad.push(id);
    else if (imp.kind !== 'func') bad.push(`${id} (must be a function, is a ${imp.kind})`);
    else if (!imp.type || !same(imp.type, want)) bad.push(`${id} (signature ${signature(imp.type)}, expected ${signature(want)})`);
  }
  return bad;
}

export const REQUIRED_EXPORTS: Record<string, FuncType | 'memory'> = {
  memory: 'memory',
  wasmap_abi_v1: f(''),
  wasmap_alloc: f('i32', 'i32'),
  wasmap_run: f('i32,i32', 'i64'),
};

export const OPTIONAL_EXPORTS: Record<string, FuncType> = {
  wasmap_init: f('i32,i32', 'i32'),
  wasmap_free: f('i32,i32'),
  wasmap_cleanup: f(''),
  _initialize: f(''),
};

/** Missing or mistyped exports, each described; empty when all is well. */
export function exportProblems(info: WasmInfo): string[] {
  const out: string[] = [];
  const byName = new Map(info.exports.map((e) => [e.name, e]));
  for (const [name, want] of Object.entries(REQUIRED_EXPORTS)) {
    const e = byName.get(name);
    if (!e) out.push(`missing export ${name}`);
    else if (want === 'memory') {
      if (e.kind !== 'memory') out.push(`export ${name} must be a memory`);
    } else if (e.kind !== 'func' || !e.type || !same(e.type, want))
      out.push(`export ${name} must be a function ${signature(want)}`);
  }
  for (const [name, want] of Object.entries(OPTIONAL_EXPORTS)) {
    const e = byName.get(name);
    if (e && (e.kind !== 'func' || !e.type || !same(e.type, want))) out.push(`export ${name} must be a function ${signature(want)}`);
  }
  for (const e of info.exports) if (e.name.startsWith('asyncify_')) out.push(`export ${e.name} uses the host-reserved prefix asyncify_`);
  return out;
}

/**
 * In-process unit tests of AssemblyScript code (the SDK's and the plugins'
 * pure parsers). A unit is a folder with a plugin.toml whose `[build] entry`
 * exports test functions instead of `wasmap_run`; it is compiled by the AS
 * SDK's build script (same asc flags as a plugin, same content-hash cache, so
 * unchanged sources never compile twice) and instantiated here with
 * @assemblyscript/loader: a test passes JS strings and bytes straight to the
 * AssemblyScript functions. No runtime, no worker, no socket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instantiate, type ASUtil } from '@assemblyscript/loader';
import { Packr } from 'msgpackr';
import { beforeAll } from 'vitest';
import { packManifest } from '../../src/authoring/pack.js';
import { readPluginToml } from '../../src/authoring/plugin-toml.js';
// @ts-expect-error plain ESM build script (JSDoc, no .d.ts)
import { buildPlugin } from '../../sdk/assemblyscript/scripts/build.mjs';

/** A unit's own exports: every entry exports `Uint8Array_ID = idof<Uint8Array>()` so bytes can be passed in. */
interface UnitExports {
  Uint8Array_ID: { value: unknown } | number;
}

/** A pointer into the unit's memory, as AssemblyScript passes managed objects. */
export type Ptr = number;

export class AsUnit<T> {
  #exports: (ASUtil & UnitExports) | undefined;

  /** Set by `loadUnit`, or by `useUnit`'s beforeAll. */
  attach(exports: ASUtil & UnitExports): this {
    this.#exports = exports;
    return this;
  }

  get #x(): ASUtil & UnitExports {
    if (this.#exports === undefined) throw new Error('the unit is not loaded yet: use it inside a test or a later hook');
    return this.#exports;
  }

  /** The unit's test functions (pointers in, pointers out). */
  get fn(): T {
    return this.#x as unknown as T;
  }

  str(s: string): Ptr {
    return this.#x.__newString(s);
  }

  bytes(b: Uint8Array | string): Ptr {
    const data = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
    return this.#x.__newArray(id(this.#x.Uint8Array_ID), data);
  }

  getStr(p: Ptr): string {
    return this.#x.__getString(p);
  }

  /** A copy of a returned Uint8Array, or null for a null pointer. */
  getBytes(p: Ptr): Uint8Array | null {
    return p === 0 ? null : this.#x.__getUint8Array(p).slice();
  }

  /** A returned Array<string>, its elements lifted. */
  getStrings(p: Ptr): string[] {
    return (this.#x.__getArray(p) as Ptr[]).map((s) => this.#x.__getString(s));
  }

  /**
   * A returned msgpack document (what the SDK's MapWriter/ArrayWriter
   * encode), decoded as the runtime decodes plugin output: a unit can hand
   * back a whole parse result in the shape a harness plugin's `data` had.
   */
  getMsgpack(p: Ptr): unknown {
    return packr.unpack(this.#x.__getUint8Array(p));
  }

  /** Frees what earlier calls allocated (units use the `minimal` runtime: nothing is freed unless asked). */
  collect(): void {
    this.#x.__collect();
  }
}

const packr = new Packr({ useRecords: false, variableMapSize: true });
const id = (g: { value: unknown } | number): number => (typeof g === 'number' ? g : (g.value as number));

/**
 * Builds the unit in `dir` (cached) and instantiates it. Any import besides
 * the loader's own (abort, trace, seed) throws, naming it: a unit that
 * reaches a host call is testing the wrong thing.
 */
async function unitExports(dir: string): Promise<ASUtil & UnitExports> {
  const out = mkdtempSync(join(tmpdir(), 'wasmap-as-unit-'));
  try {
    const { wasm } = (await buildPlugin(dir, { readPluginToml, packManifest, outFile: join(out, 'unit.wasm') })) as { wasm: Uint8Array };
    const module = await WebAssembly.compile(wasm);
    const imports: Record<string, Record<string, () => never>> = {};
    for (const i of WebAssembly.Module.imports(module)) {
      if (i.module === 'env' && (i.name === 'abort' || i.name === 'trace' || i.name === 'seed')) continue;
      (imports[i.module] ??= {})[i.name] = () => {
        throw new Error(`a unit test reached the host import ${i.module}.${i.name}`);
      };
    }
    const { exports } = await instantiate<Record<string, unknown>>(module, imports);
    return exports as unknown as ASUtil & UnitExports;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The unit in `dir`, built and instantiated now. */
export async function loadUnit<T>(dir: string): Promise<AsUnit<T>> {
  return new AsUnit<T>().attach(await unitExports(dir));
}

/** The unit in `dir`, loaded in a beforeAll of the calling file or describe: usable from the tests on. */
export function useUnit<T>(dir: string): AsUnit<T> {
  const unit = new AsUnit<T>();
  beforeAll(async () => {
    unit.attach(await unitExports(dir));
  }, 120_000); // the first build after a source change compiles
  return unit;
}

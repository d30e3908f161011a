/**
 * What every bundled plugin's test sets up, once: the plugin as `npm run
 * build` left it in dist/plugins (loaded, not recompiled, while its sources
 * are unchanged), a one-worker runtime, the real daemons of
 * test/support/services.mjs, extra daemons the test spawns itself, and the
 * stop of all of it. Call `usePlugin` at the top of a file or a describe: it
 * registers the beforeAll/afterAll hooks.
 *
 *   const redis = usePlugin('redis', { services: ['redis'] });
 *   it('…', async () => { const r = await redis.scan(redis.service('redis').port); … });
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';
import { afterAll, beforeAll } from 'vitest';
import { packManifest } from '../../src/authoring/pack.js';
import { readPluginToml } from '../../src/authoring/plugin-toml.js';
import type { InvocationInput, InvocationResult, LoadedPlugin, PluginRuntime, RuntimeOptions } from '../../src/sandbox/index.js';
// @ts-expect-error plain ESM build script (JSDoc, no .d.ts)
import { buildPlugin } from '../../sdk/assemblyscript/scripts/build.mjs';
import { tempDir, testRuntime } from '../sandbox/helpers/fixtures.js';
import { closedPort, waitForPort } from './listeners.js';
// @ts-expect-error plain ESM module with JSDoc types
import { startServices, stopServices } from './services.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** dist/plugins, where `npm run build` (scripts/build-plugins.mjs) puts every bundled plugin. */
export const PLUGINS_DIR = join(REPO, 'dist', 'plugins');
/**
 * One Asyncify cache for every plugin test (keyed by the module's hash):
 * a plugin is transformed once per machine, not once per test file, and the
 * user's own cache is left alone.
 */
const ASYNCIFY_CACHE = join(tmpdir(), 'wasmap-test-asyncify');
/** A parser harness is not a probe: it may take more CPU in one call. */
const HARNESS_LIMITS = { cpu_ms: 8000 };
/**
 * A private set of daemons (own run dir, ports shifted by 600), so another
 * suite force-stopping the shared set cannot pull a server away mid-test.
 */
export const PRIVATE_SERVICES = { runDir: join(tmpdir(), 'wasmap-plugins-wasm-services'), portOffset: 600 };

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
}

/**
 * The file of a bundled plugin: dist/plugins/<name>.wasm as `npm run build`
 * left it, or, when a source it is built from (its plugin.toml, its entry's
 * folder, the AS SDK) changed after that build, a fresh build of the sources
 * through the AS build cache: a test never runs an old build.
 */
export async function bundledPluginFile(name: string): Promise<string> {
  const file = join(PLUGINS_DIR, `${name}.wasm`);
  const dir = join(REPO, 'plugins-wasm', name);
  const toml = join(dir, 'plugin.toml');
  const build = (parseToml(readFileSync(toml, 'utf8')).build ?? {}) as { entry?: string };
  const entryDir = dirname(resolve(dir, build.entry ?? 'assembly/index.ts'));
  const sources = [toml, ...filesUnder(join(dir, 'assembly')), ...filesUnder(entryDir), ...filesUnder(join(REPO, 'sdk', 'assemblyscript', 'assembly'))];
  const built = existsSync(file) ? statSync(file).mtimeMs : -1;
  if (built >= 0 && sources.every((f) => statSync(f).mtimeMs <= built)) return file;
  return (await buildFromSource(dir)).file;
}

/** The bytes of `bundledPluginFile(name)`. */
export async function bundledPlugin(name: string): Promise<Uint8Array> {
  return new Uint8Array(readFileSync(await bundledPluginFile(name)));
}

/** A plugin or a test-only plugin (a parser harness) built from its folder through the AS build cache. */
export async function buildFromSource(dir: string): Promise<{ file: string; wasm: Uint8Array }> {
  const file = join(tempDir('plugin-build'), 'plugin.wasm');
  const { wasm } = (await buildPlugin(dir, { readPluginToml, packManifest, outFile: file })) as { wasm: Uint8Array };
  return { file, wasm };
}

/** A loopback server for a plugin to meet, running `onConn` per connection; `accepted()` counts them. */
export async function loopbackServer(onConn: (s: Socket) => void, host = '127.0.0.1'): Promise<{ srv: Server; port: number; accepted: () => number }> {
  let n = 0;
  const srv = createServer((s) => {
    n++;
    s.on('error', () => {});
    onConn(s);
  });
  await new Promise<void>((r) => srv.listen(0, host, r));
  return { srv, port: (srv.address() as { port: number }).port, accepted: () => n };
}

export interface Running {
  name: string;
  host: string;
  port: number;
  pid: number;
  extra?: Record<string, unknown>;
}

export interface PluginOptions {
  /** services.mjs daemons to start before and stop after. */
  services?: string[];
  /** Run them as the private set (PRIVATE_SERVICES) instead of the shared one. */
  privateServices?: boolean;
  /** Config every `scan` starts from. */
  config?: Record<string, unknown>;
  /** Runtime options (default: one worker). */
  runtime?: RuntimeOptions;
  /** More bundled plugins loaded into the same runtime (`other(name)`). */
  also?: string[];
  /**
   * Also load the plugin's parser harness (plugins-wasm/<name>/test/harness,
   * built from source), on a runtime of its own: it parses every prefix of a
   * real reply in one call, more CPU than a probe may use.
   */
  harness?: boolean;
}

export interface Daemon {
  port: number;
  proc: ChildProcess;
}

export interface PluginUnderTest {
  /** The plugin `usePlugin` was called with (set once beforeAll ran). */
  readonly plugin: LoadedPlugin;
  /** Another plugin named in `also`. */
  other(name: string): LoadedPlugin;
  /** A daemon started from `services`. */
  service<T = Running>(name: string): T;
  /** Invokes the plugin on 127.0.0.1:`port` over TCP with the default config plus `config`; `target` adds to the target. */
  scan(port: number, config?: Record<string, unknown>, target?: Record<string, unknown>): Promise<InvocationResult>;
  /** As `scan`, with another loaded plugin. */
  scanWith(plugin: LoadedPlugin, port: number, config?: Record<string, unknown>, target?: Record<string, unknown>): Promise<InvocationResult>;
  invoke(input: InvocationInput): Promise<InvocationResult>;
  /** Invokes the parser harness (`harness: true`) with `context`, and a placeholder target for detection harnesses. */
  parse(context: Record<string, unknown>, config?: Record<string, unknown>): Promise<InvocationResult>;
  /**
   * Spawns a daemon of the test's own on a free loopback port (`args(port)`),
   * waits until it accepts, and stops it by PID after the file.
   */
  daemon(cmd: string, args: (port: number) => string[]): Promise<Daemon>;
}

/** Registers the hooks that load `name` and start `opts.services`; see the file comment. */
export function usePlugin(name: string, opts: PluginOptions = {}): PluginUnderTest {
  let rt: PluginRuntime | undefined;
  let hrt: PluginRuntime | undefined;
  let main: LoadedPlugin | undefined;
  let harness: LoadedPlugin | undefined;
  const others = new Map<string, LoadedPlugin>();
  const running = new Map<string, Running>();
  const daemons: ChildProcess[] = [];
  const services = opts.services ?? [];
  const serviceOpts = opts.privateServices ? PRIVATE_SERVICES : {};

  beforeAll(async () => {
    rt = testRuntime({ workers: 1, cacheDir: ASYNCIFY_CACHE, ...opts.runtime });
    main = await rt.load(await bundledPlugin(name));
    for (const o of opts.also ?? []) others.set(o, await rt.load(await bundledPlugin(o)));
    if (opts.harness) {
      const { wasm } = await buildFromSource(join(REPO, 'plugins-wasm', name, 'test', 'harness'));
      hrt = testRuntime({ workers: 1, cacheDir: ASYNCIFY_CACHE, limits: HARNESS_LIMITS });
      harness = await hrt.load(wasm);
    }
    if (services.length) for (const s of (await startServices(services, serviceOpts)) as Running[]) running.set(s.name, s);
  }, 240_000); // a plugin whose sources changed since the build compiles here, and daemons start: slow on a loaded machine
  afterAll(async () => {
    for (const p of daemons) if (p.pid && p.exitCode === null && p.signalCode === null) process.kill(p.pid, 'SIGTERM');
    await rt?.close();
    await hrt?.close();
    if (services.length) await stopServices(services, serviceOpts);
  });

  const ready = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`${what} is not ready: use it inside a test or a later hook`);
    return v;
  };
  const scanWith = (plugin: LoadedPlugin, port: number, config: Record<string, unknown> = {}, target: Record<string, unknown> = {}): Promise<InvocationResult> =>
    ready(rt, 'runtime').invoke(plugin, { target: { ip: '127.0.0.1', port, transport: 'tcp', ...target }, config: { ...opts.config, ...config } });

  return {
    get plugin() {
      return ready(main, name);
    },
    other: (o) => ready(others.get(o), o),
    service: <T = Running>(s: string): T => ready(running.get(s), `service ${s}`) as T,
    scan: (port, config, target) => scanWith(ready(main, name), port, config, target),
    scanWith,
    invoke: (input) => ready(rt, 'runtime').invoke(ready(main, name), input),
    parse: (context, config = {}) =>
      ready(hrt, 'harness runtime').invoke(ready(harness, 'harness'), { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' }, config, context }),
    async daemon(cmd, args) {
      const port = await closedPort();
      const proc = spawn(cmd, args(port), { stdio: 'ignore' });
      daemons.push(proc);
      // up to 30 s on a loaded machine, but a daemon that exits is reported at once
      const exited = new Promise<never>((_, reject) => proc.once('exit', (code, signal) => reject(new Error(`${cmd} exited (${code ?? signal}) before listening on ${port}`))));
      exited.catch(() => undefined); // the later stop by PID is no error
      await Promise.race([waitForPort(port, 300), exited]);
      return { port, proc };
    },
  };
}

/**
 * A WASM plugin as a module of the DAG engine, registered from its manifest.
 * The host calls it where its `match` applies, as results stream in:
 * `scanner` per open target:port, `detection` per banner, `evaluator` per
 * host once the scan's results are in, `output` once on all events (its bytes
 * written where the user says). A plugin that fails, traps or hits a limit
 * fails that invocation alone: an event says what happened, the scan goes on.
 */
import { writeFile } from 'node:fs/promises';
import type { ConfigSchema, ExecutionIO, ModuleDescriptor } from '../../engine/module.js';
import type { InvocationInput, InvocationResult, LoadedPlugin, PluginRuntime } from '../../sandbox/index.js';
import type { PluginOutput } from '../../sandbox/types.js';
import { readOutput } from '../../sandbox/result.js';
import type { Banner, OpenPort, ServiceFingerprint, Vulnerability } from '../../model/key-contracts.js';
import { findingEvents, type ScanEvent } from '../../model/event.js';
import { toJson } from '../../report/encode.js';
import { matches, isTlsPort } from './match.js';
import { HOST_KEYS } from '../../sandbox/manifest.js';
import { detectionProgress } from './detection-progress.js';
import { bindFindings, emitEvent, resultData, returnEvent, type InvocationPoint } from './plugin-events.js';

/** Invocations of one plugin in flight at once (the runtime pools instances per worker). */
const IN_FLIGHT = 64;
/** Host-side config key of output plugins: where their bytes go (`-` = stdout). */
export const OUTPUT_FILE_KEY = 'output_file';

const KEYS_BY_KIND = {
  // a scanner reads fingerprints only when its match names services (see moduleKeys)
  scanner: { requires: ['open_ports'], uses: ['banners'], provides: ['plugin_results', 'vulnerabilities'] },
  detection: { requires: ['banners'], uses: [], provides: ['plugin_results', 'service_fingerprints', 'vulnerabilities'] },
  evaluator: { requires: ['open_ports'], uses: ['banners', 'service_fingerprints', 'plugin_results'], provides: ['evaluator_results', 'vulnerabilities'] },
  output: { requires: ['events'], uses: [], provides: [] },
} as const;

export interface PluginModuleOptions {
  runtime: PluginRuntime;
  plugin: LoadedPlugin;
}

/**
 * The DataContext keys a plugin's module reads and writes: fixed by its kind,
 * never by what its manifest asks (so no plugin can make the DAG invalid). A
 * scanner whose `match` names services also reads `service_fingerprints`; a
 * scanner that lists `service_fingerprints` in its manifest `provides` (an
 * identifier such as service-simple, which the manifest check keeps from
 * also matching by service) writes its `service` results there, so protocol
 * plugins matched by service run on services found on unusual ports. Other
 * `provides` keys are the plugin's own (the manifest check refuses host
 * keys); their items say which invocation they came from.
 */
export function moduleKeys(m: LoadedPlugin['manifest']): { requires: string[]; uses: string[]; provides: string[] } {
  const base = KEYS_BY_KIND[m.kind];
  const requires: string[] = [...base.requires];
  const uses: string[] = [...base.uses];
  if (m.kind === 'scanner' && (m.match.services ?? []).length > 0) uses.push('service_fingerprints');
  const provides: string[] = [...base.provides];
  for (const k of m.provides) if (!provides.includes(k) && !requires.includes(k) && !uses.includes(k) && !HOST_KEYS.has(k)) provides.push(k);
  if (m.provides.includes('service_fingerprints') && m.kind === 'scanner' && !uses.includes('service_fingerprints')) provides.push('service_fingerprints');
  return { requires, uses, provides };
}

export function pluginModule({ runtime, plugin }: PluginModuleOptions): ModuleDescriptor {
  const m = plugin.manifest;
  const keys = moduleKeys(m);
  const config: ConfigSchema = { ...m.config };
  if (m.kind === 'output') config[OUTPUT_FILE_KEY] = { type: 'string', default: '-', description: 'where the report goes (- = stdout, after the events)' };
  return {
    name: m.name,
    description: m.description ?? `${m.kind} plugin`,
    version: m.version,
    kind: m.kind,
    origin: 'plugin',
    source: plugin.path,
    config,
    requires: keys.requires,
    uses: keys.uses,
    provides: keys.provides,
    create() {
      let cfg: Record<string, unknown> = {};
      let outputFile = '-';
      return {
        configure(c) {
          const { [OUTPUT_FILE_KEY]: out, ...rest } = c;
          if (m.kind === 'output') outputFile = String(out ?? '-');
          cfg = runtime.validateConfig(plugin, m.kind === 'output' ? rest : c);
        },
        async execute(io) {
          const call = new Caller(io, runtime, plugin, cfg);
          switch (m.kind) {
            case 'scanner': return scannerLoop(io, call);
            case 'detection': return detectionLoop(io, call);
            case 'evaluator': return evaluatorRun(io, call);
            case 'output': return outputRun(io, call, outputFile);
          }
        },
      };
    },
  };
}

/** Runs invocations with bounded concurrency and turns their results into events and items. */
class Caller {
  private readonly running = new Set<Promise<void>>();
  /** Denial reasons already said on stderr (each once per plugin, at most a few). */
  private readonly toldDenials = new Set<string>();
  private readonly name: string;
  readonly manifest: LoadedPlugin['manifest'];

  constructor(private readonly io: ExecutionIO, private readonly runtime: PluginRuntime, private readonly plugin: LoadedPlugin, private readonly config: Record<string, unknown>) {
    this.name = plugin.manifest.name;
    this.manifest = plugin.manifest;
  }

  /** Queues one invocation; resolves when there is room for the next. */
  async call(at: InvocationPoint, input: InvocationInput, after?: (r: InvocationResult) => void): Promise<void> {
    const io = this.io;
    const progress = detectionProgress(this.runtime);
    progress.started(this.name);
    const p = this.runtime
      .invoke(this.plugin, { ...input, config: this.config }, (emitted) => {
        // emit-ted results are kept even if the invocation fails later, and streamed at once;
        // the worker checked the map before it let it out (host/emit.ts).
        // Once the scan is stopped the node may already have finished: a late
        // emit is dropped, as a late return is (the catch below).
        if (io.signal.aborted) return;
        const ev = emitEvent(this.name, at, this.bind(at, readOutput(emitted)));
        io.event(ev);
        for (const f of findingEvents(ev)) io.event(f);
      })
      .then((r) => {
        io.count('invocations');
        if (r.status !== 'success') io.count(`status:${r.status}`);
        if (r.sandbox.limit) io.count(`limit:${r.sandbox.limit}`);
        const bound = this.bind(at, r);
        const data = resultData(bound);
        // an output plugin's report goes to its file, not into the events; its failures do
        const ev = this.manifest.kind === 'output' && r.status === 'success' ? undefined : returnEvent(this.name, at, bound, data);
        if (ev) {
          io.event(ev);
          for (const f of findingEvents(ev)) io.event(f);
        }
        if (r.error && r.status !== 'success') io.log('warn', `plugin ${this.name}${where(at)}: ${r.error}`);
        for (const d of r.sandbox.denials ?? []) {
          if (this.toldDenials.size >= 5 || this.toldDenials.has(d)) continue;
          this.toldDenials.add(d);
          io.log('warn', `plugin ${this.name}: EDENIED: ${d}`);
        }
        this.record(at, bound, data);
        after?.(r);
      })
      .catch((e: unknown) => {
        // the runtime closes under in-flight invocations when the scan is stopped
        if (!io.signal.aborted) io.log('warn', `plugin ${this.name}${where(at)}: ${(e as Error).message}`);
      });
    const tracked = p.finally(() => {
      this.running.delete(tracked);
      progress.ended(this.name);
    });
    this.running.add(tracked);
    if (this.running.size >= IN_FLIGHT) await Promise.race([...this.running, whenAborted(io.signal)]);
  }

  /** Waits for the invocations in flight; a cancelled scan stops waiting at once (their results are not found yet). */
  async drain(): Promise<void> {
    while (this.running.size > 0 && !this.io.signal.aborted) await Promise.race([Promise.all(this.running), whenAborted(this.io.signal)]);
  }

  /** A result with its findings bound to this invocation (see bindFindings); refusals are logged. */
  private bind<T extends PluginOutput>(at: InvocationPoint, out: T): T {
    if (out.findings === undefined) return out;
    const { kept, refused } = bindFindings(out.findings, at);
    for (const why of refused) this.io.log('warn', `plugin ${this.name}${where(at)}: ${why}`);
    return { ...out, findings: kept };
  }

  /** Results into the DataContext: plugin_results, fingerprints, findings and the manifest's own keys; `data` is resultData(r). */
  private record(at: InvocationPoint, r: InvocationResult, data: Record<string, unknown>): void {
    const io = this.io;
    const kind = this.plugin.manifest.kind;
    const self = { ip: at.ip, port: at.port, transport: at.transport, ...(at.hostname ? { hostname: at.hostname } : {}) };
    if (kind === 'scanner' || kind === 'detection') {
      io.write('plugin_results', { plugin: this.name, ...self, status: r.status, data, ...(r.error ? { error: r.error } : {}) });
    } else if (kind === 'evaluator') {
      io.write('evaluator_results', { plugin: this.name, ip: at.ip, status: r.status, data, ...(r.error ? { error: r.error } : {}) });
    }
    const identifies = kind === 'detection' || (kind === 'scanner' && this.manifest.provides.includes('service_fingerprints'));
    if (identifies && r.service !== undefined) {
      const fp: ServiceFingerprint = { ...self, service: r.service, source: this.name };
      io.write('service_fingerprints', fp);
    }
    if (kind !== 'output') {
      // host fields last: a finding cannot name another host, and its port was checked by bind
      const port = at.port ? { port: at.port, transport: at.transport } : {};
      for (const f of r.findings ?? []) {
        const v: Vulnerability = { ...port, ...f, ip: at.ip, ...(at.hostname ? { hostname: at.hostname } : {}), source: this.name };
        io.write('vulnerabilities', v);
      }
    }
    for (const [key, value] of Object.entries(r.provides)) {
      if (key === 'service_fingerprints' || HOST_KEYS.has(key)) continue; // host keys come from the fields above only
      try {
        io.write(key, { ...self, plugin: this.name, value });
      } catch (e) {
        io.log('warn', `plugin ${this.name}: ${(e as Error).message}`);
      }
    }
  }
}

const abortPromises = new WeakMap<AbortSignal, Promise<void>>();
/** Resolves when `signal` aborts (never rejects: the caller looks at `signal.aborted`); one listener per signal. */
function whenAborted(signal: AbortSignal): Promise<void> {
  let p = abortPromises.get(signal);
  if (!p) {
    p = signal.aborted ? Promise.resolve() : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    abortPromises.set(signal, p);
  }
  return p;
}

const where = (at: InvocationPoint): string => (at.ip ? ` on ${at.ip}${at.port ? `:${at.port}` : ''}` : '');

const pointKey = (p: { ip: string; port: number; transport: string }): string => `${p.transport}/${p.ip}/${p.port}`;

async function scannerLoop(io: ExecutionIO, call: Caller): Promise<void> {
  const manifest = call.manifest;
  const wantsServices = (manifest.match.services ?? []).length > 0;
  const wantsBanner = manifest.requires.includes('banner');
  const done = new Set<string>();
  const services = new Map<string, string[]>();
  const open = new Map<string, OpenPort>();
  const banners = new Map<string, Uint8Array>();

  const consider = async (p: OpenPort): Promise<void> => {
    const key = pointKey(p);
    if (done.has(key)) return;
    if (!matches(manifest.match, { port: p.port, transport: p.transport, services: services.get(key) ?? [] })) return;
    done.add(key);
    const context: Record<string, unknown> = {};
    const banner = banners.get(key);
    if (banner) context.banner = banner;
    const svc = services.get(key);
    if (svc) context.service = { name: svc[0] };
    const at: InvocationPoint = { ip: p.ip, port: p.port, transport: p.transport, ...(p.hostname ? { hostname: p.hostname } : {}) };
    await call.call(at, { target: { ...at, tls: isTlsPort(p.port) }, context });
  };

  // A service-matched plugin also listens to fingerprints: a port may match once detection names it.
  const fingerprints = wantsServices && io.hasProducers('service_fingerprints')
    ? (async () => {
      for await (const fp of io.read<ServiceFingerprint>('service_fingerprints')) {
        const key = pointKey(fp);
        services.set(key, [...(services.get(key) ?? []), fp.service.name]);
        const p = open.get(key);
        if (p) await consider(p);
      }
    })()
    : Promise.resolve();
  const bannerFeed = wantsBanner && io.hasProducers('banners')
    ? (async () => {
      for await (const b of io.read<Banner>('banners')) banners.set(pointKey({ ...b, transport: 'tcp' }), b.banner);
    })()
    : Promise.resolve();
  // The side feeds end with an error on cancellation, maybe while the main loop
  // is elsewhere: handled here, and re-thrown below after the main loop.
  fingerprints.catch(() => {});
  bannerFeed.catch(() => {});
  try {
    for await (const p of io.read<OpenPort>('open_ports')) {
      open.set(pointKey(p), p);
      await consider(p);
    }
    await fingerprints;
    await bannerFeed;
  } finally {
    await call.drain();
  }
}

async function detectionLoop(io: ExecutionIO, call: Caller): Promise<void> {
  const manifest = call.manifest;
  try {
    for await (const b of io.read<Banner>('banners')) {
      if (!matches(manifest.match, { port: b.port, transport: 'tcp', services: [] })) continue;
      const at: InvocationPoint = { ip: b.ip, port: b.port, transport: 'tcp', ...(b.hostname ? { hostname: b.hostname } : {}) };
      await call.call(at, { target: { ...at, tls: isTlsPort(b.port) }, context: { banner: b.banner } });
    }
  } finally {
    await call.drain();
  }
}

/** Evaluators see one host at a time, with everything the scan found about it. */
async function evaluatorRun(io: ExecutionIO, call: Caller): Promise<void> {
  const manifest = call.manifest;
  const optional = (key: string): Promise<ReadonlyArray<unknown>> => (io.hasProducers(key) ? io.all(key) : Promise.resolve([]));
  const [open, banners, fingerprints, results] = await Promise.all([
    io.all<OpenPort>('open_ports'), optional('banners'), optional('service_fingerprints'), optional('plugin_results'),
  ]);
  const hosts = new Map<string, { hostname?: string; ctx: Record<string, unknown[]> }>();
  const add = (key: string, item: { ip: string; hostname?: string }): void => {
    let h = hosts.get(item.ip);
    if (!h) hosts.set(item.ip, (h = { ...(item.hostname ? { hostname: item.hostname } : {}), ctx: { open_ports: [], banners: [], service_fingerprints: [], plugin_results: [] } }));
    h.ctx[key]!.push(item);
  };
  open.forEach((x) => add('open_ports', x));
  (banners as Banner[]).forEach((x) => add('banners', x));
  (fingerprints as ServiceFingerprint[]).forEach((x) => add('service_fingerprints', x));
  (results as { ip: string }[]).forEach((x) => add('plugin_results', x));
  try {
    for (const [ip, h] of hosts) {
      if (io.signal.aborted) break;
      const relevant = h.ctx.open_ports!.some((p) => matches(manifest.match, { port: (p as OpenPort).port, transport: (p as OpenPort).transport, services: [] }));
      if (!relevant) continue;
      const hostPorts = (h.ctx.open_ports as OpenPort[]).map((p) => ({ port: p.port, transport: p.transport }));
      const at: InvocationPoint = { ip, port: 0, transport: 'tcp', ...(h.hostname ? { hostname: h.hostname } : {}), hostPorts };
      await call.call(at, { context: { asset: { ip, ...(h.hostname ? { hostname: h.hostname } : {}) }, ...h.ctx } });
    }
  } finally {
    await call.drain();
  }
}

/** Output plugins get every event once the scan is over and return the report's bytes. */
async function outputRun(io: ExecutionIO, call: Caller, outputFile: string): Promise<void> {
  const events = await io.all<ScanEvent>('events');
  let report: Uint8Array | undefined;
  await call.call({ ip: '', port: 0, transport: 'tcp' }, { context: { events } }, (r) => {
    if (r.status !== 'success') return;
    const d = r.data;
    report = d instanceof Uint8Array ? d : typeof d === 'string' ? new TextEncoder().encode(d) : d === undefined ? undefined : new TextEncoder().encode(toJson(d, 2) + '\n');
  });
  await call.drain();
  if (!report) return;
  if (outputFile !== '-') await writeFile(outputFile, report);
  else if (process.stdout.isTTY) {
    // a person reads it: nothing the plugin wrote may drive the terminal (--plugin-output FILE keeps the bytes)
    const { bytesForTerminal } = await import('../../report/terminal-text.js');
    process.stdout.write(bytesForTerminal(report));
  } else process.stdout.write(report);
  io.count('report_bytes', report.length);
}

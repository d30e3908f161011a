/**
 * A WASM plugin as a module of the DAG engine, registered from its manifest.
 * The host calls it where its `match` applies, as results stream in:
 * `scanner` per open target:port, `detection` per banner, `evaluator` per
 * host once the scan's results are in, `output` once on all events (its bytes
 * written where the user says). A plugin that fails, traps or hits a limit
 * fails that invocation alone: an event says what happened, the scan goes on.
 */
import { writeFile } from 'node:fs/promises';
import type { ConfigSchema, ExecutionIO, ModuleDescriptor } from '../module.js';
import type { InvocationInput, InvocationResult, LoadedPlugin, PluginRuntime } from '../../sandbox/index.js';
import type { Banner, OpenPort, ServiceFingerprint } from '../../engine/key-contracts.js';
import type { ScanEvent } from '../../report/event.js';
import { toJson } from '../../report/encode.js';
import { matches, isTlsPort } from './match.js';
import { resultEvent, returnEvent, isMap, type InvocationPoint } from './plugin-events.js';

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
 * The DataContext keys a plugin's module reads and writes. A scanner whose
 * `match` names services also reads `service_fingerprints`; a scanner that
 * lists `service_fingerprints` in its manifest `provides` (an identifier
 * such as service-simple) writes its `service` results there, so protocol
 * plugins matched by service run on services found on unusual ports.
 */
export function moduleKeys(m: LoadedPlugin['manifest']): { requires: string[]; uses: string[]; provides: string[] } {
  const base = KEYS_BY_KIND[m.kind];
  const requires: string[] = [...base.requires];
  const uses: string[] = [...base.uses];
  if (m.kind === 'scanner' && (m.match.services ?? []).length > 0) uses.push('service_fingerprints');
  const provides: string[] = [...base.provides];
  for (const k of m.provides) if (!provides.includes(k) && !requires.includes(k) && k !== 'events') provides.push(k);
  // keys the manifest asks for that other nodes may produce (e.g. another plugin's provides)
  for (const k of m.requires) {
    if (!requires.includes(k) && !uses.includes(k) && !provides.includes(k) && k !== 'banner' && k !== 'service' && k !== 'events') uses.push(k);
  }
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
  private readonly name: string;
  readonly manifest: LoadedPlugin['manifest'];

  constructor(private readonly io: ExecutionIO, private readonly runtime: PluginRuntime, private readonly plugin: LoadedPlugin, private readonly config: Record<string, unknown>) {
    this.name = plugin.manifest.name;
    this.manifest = plugin.manifest;
  }

  /** Queues one invocation; resolves when there is room for the next. */
  async call(at: InvocationPoint, input: InvocationInput, after?: (r: InvocationResult) => void): Promise<void> {
    const io = this.io;
    const p = this.runtime
      .invoke(this.plugin, { ...input, config: this.config }, (emitted) => {
        // emit-ted results are kept even if the invocation fails later, and streamed at once
        io.event(resultEvent(this.name, at, emitted, typeof emitted.status === 'string' ? emitted.status : 'success'));
      })
      .then((r) => {
        io.count('invocations');
        if (r.status !== 'success') io.count(`status:${r.status}`);
        if (r.sandbox.limit) io.count(`limit:${r.sandbox.limit}`);
        // an output plugin's report goes to its file, not into the events; its failures do
        const ev = this.manifest.kind === 'output' && r.status === 'success' ? undefined : returnEvent(this.name, at, r);
        if (ev) io.event(ev);
        if (r.error && r.status !== 'success') io.log('warn', `plugin ${this.name} on ${at.ip}:${at.port}: ${r.error}`);
        this.record(at, r);
        after?.(r);
      });
    const tracked = p.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
    if (this.running.size >= IN_FLIGHT) await Promise.race(this.running);
  }

  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }

  /** Results into the DataContext: plugin_results, fingerprints, findings and the manifest's own keys. */
  private record(at: InvocationPoint, r: InvocationResult): void {
    const io = this.io;
    const kind = this.plugin.manifest.kind;
    const data = isMap(r.data) ? r.data : r.data === undefined ? {} : { value: r.data };
    if (kind === 'scanner' || kind === 'detection') {
      io.write('plugin_results', { plugin: this.name, ...at, status: r.status, data, ...(r.error ? { error: r.error } : {}) });
    } else if (kind === 'evaluator') {
      io.write('evaluator_results', { plugin: this.name, ip: at.ip, status: r.status, data, ...(r.error ? { error: r.error } : {}) });
    }
    const identifies = kind === 'detection' || (kind === 'scanner' && this.manifest.provides.includes('service_fingerprints'));
    if (identifies && isMap(r.service) && typeof r.service.name === 'string') {
      const fp: ServiceFingerprint = { ...at, service: r.service as unknown as ServiceFingerprint['service'], source: this.name };
      io.write('service_fingerprints', fp);
    }
    if (kind !== 'output' && Array.isArray(r.findings)) {
      for (const f of r.findings) {
        if (!isMap(f) || typeof f.id !== 'string' || typeof f.title !== 'string') continue;
        io.write('vulnerabilities', { ip: at.ip, ...(at.port ? { port: at.port, transport: at.transport } : {}), ...f, source: this.name });
      }
    }
    for (const [key, value] of Object.entries(r.provides)) {
      if (key === 'service_fingerprints' && identifies) continue; // written from `service` above
      try {
        io.write(key, value);
      } catch (e) {
        io.log('warn', `plugin ${this.name}: ${(e as Error).message}`);
      }
    }
  }
}

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
      const at: InvocationPoint = { ip, port: 0, transport: 'tcp', ...(h.hostname ? { hostname: h.hostname } : {}) };
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
  if (outputFile === '-') process.stdout.write(report);
  else await writeFile(outputFile, report);
  io.count('report_bytes', report.length);
}

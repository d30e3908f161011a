/**
 * ABI A8 through both SDKs and the real runtime: a tiny plugin, built from
 * inline source, sets `summary`, a finding placed with `Finding.at(...)` and
 * the new Service fields (ostype, method, probe, banner). The test reads the
 * map exactly as the host receives it (the emitted copy, decoded from the
 * guest's msgpack), the InvocationResult the runtime builds from the
 * returned copy, and the events `returnEvent` and `emitEvent` make of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitEvent, resultData, returnEvent } from '../src/modules/plugins/plugin-events.js';
import { readOutput } from '../src/sandbox/result.js';
import type { InvocationResult, LoadedPlugin, PluginRuntime } from '../src/sandbox/index.js';
import { testRuntime } from './sandbox/helpers/fixtures.js';
import { buildInlineAs, buildInlineRust } from './sandbox/helpers/inline-plugin.js';

const MANIFEST = (name: string, lang: string, entry: string): string => `name = "${name}"
version = "0.1.0"
kind = "scanner"
description = "A8 output fields"
capabilities = []

[match]
transport = "tcp"
ports = [6379]

[config.mode]
type = "string"
default = "full"
enum = ["full", "long", "plain"]

[build]
lang = "${lang}"
entry = "${entry}"
`;

const AS_SOURCE = `
import { Finding, Input, Output, SEVERITY_HIGH, SEVERITY_INFO, Service, emit, register } from "@wasmap/sdk-assemblyscript";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

function full(): Output {
  const o = new Output();
  o.summary = "Redis 7.0.15 standalone, no auth, 3 keys\\nthis second line is dropped";
  const s = new Service("redis");
  s.product = "Redis key-value store";
  s.version = "7.0.15";
  s.cpe = ["cpe:/a:redis:redis:7.0.15"];
  s.confidence = 0.95;
  s.extrainfo = "standalone";
  s.ostype = "Linux";
  s.method = "probe_matching";
  s.probe = "RedisInfo";
  s.banner = "$3950\\\\r\\\\n# Server";
  o.service = s;
  o.addFinding(new Finding("redis-no-auth", "Redis answers without a password", SEVERITY_HIGH).at(6379, "tcp"));
  o.addFinding(new Finding("note", "A finding without a place", SEVERITY_INFO));
  return o;
}

function run(input: Input): Output {
  const mode = input.config.getString("mode", "full");
  let o: Output;
  if (mode == "long") { o = new Output(); o.summary = "x".repeat(300); }
  else if (mode == "plain") { o = new Output(); o.service = new Service("redis"); }
  else o = full();
  emit(o);
  return o;
}

register(run);
`;

const RUST_SOURCE = `
use serde::Deserialize;
use wasmap_sdk::{emit, Finding, Input, Output, Result, Service, Severity};

#[derive(Deserialize, Default)]
#[serde(default)]
struct Config {
    mode: String,
}

fn full() -> Output {
    let s = Service::new("redis").product("Redis key-value store").version("7.0.15").cpe("cpe:/a:redis:redis:7.0.15")
        .confidence(0.95).extrainfo("standalone").method("probe_matching").banner("$3950\\\\r\\\\n# Server")
        .ostype("Linux").probe("RedisInfo");
    Output::success()
        .summary("Redis 7.0.15 standalone, no auth, 3 keys\\nthis second line is dropped")
        .service(&s)
        .finding(Finding::new("redis-no-auth", "Redis answers without a password", Severity::High).at(6379, "tcp"))
        .finding(Finding::new("note", "A finding without a place", Severity::Info))
}

fn run(input: Input<Config>) -> Result<Output> {
    let o = match input.config.mode.as_str() {
        "long" => Output::success().summary(&"x".repeat(300)),
        "plain" => Output::success().service(&Service::new("redis")),
        _ => full(),
    };
    emit(&o)?;
    Ok(o)
}

fn init(_c: Config) -> core::result::Result<(), String> {
    Ok(())
}

wasmap_sdk::plugin!(run, init = init);
`;


/** The whole map of mode "full", as the guest encodes it. */
const FULL = {
  status: 'success',
  summary: 'Redis 7.0.15 standalone, no auth, 3 keys\nthis second line is dropped',
  service: {
    name: 'redis', product: 'Redis key-value store', version: '7.0.15', cpe: ['cpe:/a:redis:redis:7.0.15'], confidence: 0.95,
    extrainfo: 'standalone', ostype: 'Linux', method: 'probe_matching', probe: 'RedisInfo', banner: '$3950\\r\\n# Server',
  },
  findings: [
    { id: 'redis-no-auth', title: 'Redis answers without a password', severity: 'high', port: 6379, transport: 'tcp' },
    { id: 'note', title: 'A finding without a place', severity: 'info' },
  ],
};
const FIRST_LINE = 'Redis 7.0.15 standalone, no auth, 3 keys';
const AT = { ip: '127.0.0.1', port: 6379, transport: 'tcp' as const };

async function invoke(rt: PluginRuntime, plugin: LoadedPlugin, mode: string): Promise<{ r: InvocationResult; emitted: Record<string, unknown>[] }> {
  const emitted: Record<string, unknown>[] = [];
  const r = await rt.invoke(plugin, { target: AT, config: { mode } }, (e) => emitted.push(e));
  return { r, emitted };
}

/** The same checks for a plugin of either SDK. */
function checks(sdk: string, get: () => { rt: PluginRuntime; plugin: LoadedPlugin }): void {
  it(`${sdk}: encodes summary, the finding's port and transport and every service field, as the host receives them`, async () => {
    const { rt, plugin } = get();
    const { r, emitted } = await invoke(rt, plugin, 'full');
    expect(r.status, r.error).toBe('success');
    expect(emitted).toEqual([FULL]);
    const f = (emitted[0]!.findings as Record<string, unknown>[])[0]!;
    expect(Number.isInteger(f.port)).toBe(true);
    // the runtime keeps the first line of the summary, and the rest as sent
    expect(r.summary).toBe(FIRST_LINE);
    expect(r.service).toEqual(FULL.service);
    expect(r.findings).toEqual(FULL.findings);
  });

  it(`${sdk}: makes an event whose result carries the summary, service and placed findings`, async () => {
    const { rt, plugin } = get();
    const { r, emitted } = await invoke(rt, plugin, 'full');
    const ev = returnEvent('a8-probe', AT, r, resultData(r))!;
    expect(ev.result).toMatchObject({ status: 'success', summary: FIRST_LINE, service: FULL.service, findings: FULL.findings });
    // an emitted map carries its summary the same way
    expect(emitEvent('a8-probe', AT, readOutput(emitted[0]!)).result.summary).toBe(FIRST_LINE);
  });

  it(`${sdk}: cuts a long summary to 200 characters and sends no summary or A8 keys that were not set`, async () => {
    const { rt, plugin } = get();
    const long = await invoke(rt, plugin, 'long');
    expect(long.emitted[0]!.summary).toBe('x'.repeat(300));
    expect(long.r.summary).toBe('x'.repeat(200));
    expect(returnEvent('a8-probe', AT, long.r, resultData(long.r))!.result.summary).toBe('x'.repeat(200));
    const plain = await invoke(rt, plugin, 'plain');
    expect(plain.emitted).toEqual([{ status: 'success', service: { name: 'redis' } }]);
    expect(plain.r.summary).toBeUndefined();
    expect(returnEvent('a8-probe', AT, plain.r, resultData(plain.r))!.result).not.toHaveProperty('summary');
  });
}

describe('A8 output fields from the AssemblyScript SDK', () => {
  let rt: PluginRuntime;
  let plugin: LoadedPlugin;
  beforeAll(async () => {
    const wasm = await buildInlineAs('a8-probe', (lang, entry) => MANIFEST('a8-probe', lang, entry), AS_SOURCE);
    rt = testRuntime({ workers: 1 });
    plugin = await rt.load(wasm);
  }, 120_000);
  afterAll(() => rt?.close());

  checks('AssemblyScript', () => ({ rt, plugin }));
});

describe('A8 output fields from the Rust SDK', () => {
  let rt: PluginRuntime;
  let plugin: LoadedPlugin;
  beforeAll(async () => {
    const path = await buildInlineRust('a8-probe', (lang, entry) => MANIFEST('a8-probe', lang, entry), RUST_SOURCE);
    rt = testRuntime({ workers: 1 });
    plugin = await rt.load(path);
  }, 300_000);
  afterAll(() => rt?.close());

  checks('Rust', () => ({ rt, plugin }));
});

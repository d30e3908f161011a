/**
 * The SDKs' base64 (RFC 4648 §4) and random bytes (WASI random_get), in both
 * languages, through the real runtime: a tiny plugin built from inline source
 * encodes fixed bytes, decodes the strings the test sends in its config and
 * draws random bytes; node's Buffer is the oracle for base64.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedPlugin, PluginRuntime } from '../src/sandbox/index.js';
import { testRuntime } from './sandbox/helpers/fixtures.js';
import { buildInlineAs, buildInlineRust } from './sandbox/helpers/inline-plugin.js';

const MANIFEST = (lang: string, entry: string): string => `name = "text-random"
version = "0.1.0"
kind = "scanner"
description = "SDK base64 and random bytes"
capabilities = []

[match]
transport = "tcp"

[config.decode]
type = "list"
default = []

[build]
lang = "${lang}"
entry = "${entry}"
`;

/** The plugin encodes bytes(n) for n = 0..10 and 256, byte i = (i*37+11) & 255. */
const LENGTHS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 256];
const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + 11) & 255));

const AS_SOURCE = `
import { ArrayWriter, Input, MapWriter, Output, base64Decode, base64Encode, randomBytes, register } from "@wasmap/sdk-assemblyscript";
export { wasmap_abi_v1, wasmap_alloc, wasmap_free, wasmap_init, wasmap_run } from "@wasmap/sdk-assemblyscript";

const LENGTHS: i32[] = [${LENGTHS.join(', ')}];

function run(input: Input): Output {
  const encoded = new ArrayWriter();
  for (let k = 0; k < LENGTHS.length; k++) {
    const b = new Uint8Array(LENGTHS[k]);
    for (let i = 0; i < b.length; i++) b[i] = <u8>((i * 37 + 11) & 255);
    encoded.str(base64Encode(b));
  }
  const decoded = new ArrayWriter();
  const inputs = input.config.getStringList("decode");
  for (let i = 0; i < inputs.length; i++) {
    const d = base64Decode(inputs[i]);
    if (d === null) decoded.nil(); else decoded.bin(d);
  }
  const random = new ArrayWriter().bin(randomBytes(32)).bin(randomBytes(32)).bin(randomBytes(0));
  return new Output().setData(new MapWriter().array("encoded", encoded).array("decoded", decoded).array("random", random));
}

register(run);
`;

const RUST_SOURCE = `
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use wasmap_sdk::{base64, random_bytes, Input, Output, Result};

#[derive(Deserialize, Default)]
#[serde(default)]
struct Config {
    decode: Vec<String>,
}

#[derive(Serialize)]
struct Data {
    encoded: Vec<String>,
    decoded: Vec<Option<ByteBuf>>,
    random: Vec<ByteBuf>,
}

fn run(input: Input<Config>) -> Result<Output> {
    let encoded = [${LENGTHS.join(', ')}usize]
        .iter()
        .map(|&n| base64::encode(&(0..n).map(|i| ((i * 37 + 11) & 255) as u8).collect::<Vec<u8>>()))
        .collect();
    let decoded = input.config.decode.iter().map(|s| base64::decode(s).map(ByteBuf::from)).collect();
    let random = vec![ByteBuf::from(random_bytes(32)), ByteBuf::from(random_bytes(32)), ByteBuf::from(random_bytes(0))];
    Ok(Output::success().data(&Data { encoded, decoded, random }))
}

wasmap_sdk::plugin!(run);
`;

/** Strings to decode and what a strict decoder must give (null = refused). */
const DECODE: [string, Buffer | null][] = [
  ['', Buffer.alloc(0)],
  ['TWFu', Buffer.from('Man')],
  ['TWE=', Buffer.from('Ma')],
  ['TWE', Buffer.from('Ma')], // unpadded
  ['TQ==', Buffer.from('M')],
  ['TQ', Buffer.from('M')],
  [bytes(256).toString('base64'), bytes(256)],
  ['+/+/', Buffer.from([0xfb, 0xff, 0xbf])],
  ['T', null], // no encoding is 1 mod 4 long
  ['TWE*', null], // not in the alphabet
  ['TW-_', null], // the URL-safe alphabet is another encoding
  ['TQ=', null], // padded but not a multiple of 4
  ['TQ===', null], // three pads
  ['T=Q=', null], // padding inside
];


function checks(sdk: string, get: () => { rt: PluginRuntime; plugin: LoadedPlugin }): void {
  it(`${sdk}: base64 encodes as node does and decodes strictly`, async () => {
    const { rt, plugin } = get();
    const r = await rt.invoke(plugin, { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' }, config: { decode: DECODE.map(([s]) => s) } });
    expect(r.status, r.error).toBe('success');
    const data = r.data as { encoded: string[]; decoded: (Uint8Array | null)[]; random: Uint8Array[] };
    expect(data.encoded).toEqual(LENGTHS.map((n) => bytes(n).toString('base64')));
    expect(data.decoded.map((d) => (d === null ? null : Buffer.from(d).toString('hex')))).toEqual(DECODE.map(([, want]) => (want === null ? null : want.toString('hex'))));
  });

  it(`${sdk}: draws random bytes from the host, different on each call`, async () => {
    const { rt, plugin } = get();
    const r = await rt.invoke(plugin, { target: { ip: '127.0.0.1', port: 1, transport: 'tcp' }, config: {} });
    const [a, b, empty] = (r.data as { random: Uint8Array[] }).random;
    expect([a!.length, b!.length, empty!.length]).toEqual([32, 32, 0]);
    expect(Buffer.from(a!).equals(Buffer.from(b!))).toBe(false);
    // 64 random bytes with fewer than 16 distinct values would be a broken source
    expect(new Set([...a!, ...b!]).size).toBeGreaterThan(16);
  });
}

describe('base64 and random bytes from the AssemblyScript SDK', () => {
  let rt: PluginRuntime;
  let plugin: LoadedPlugin;
  beforeAll(async () => {
    const wasm = await buildInlineAs('text-random', MANIFEST, AS_SOURCE);
    rt = testRuntime({ workers: 1 });
    plugin = await rt.load(wasm);
  }, 120_000);
  afterAll(() => rt?.close());

  checks('AssemblyScript', () => ({ rt, plugin }));
});

describe('base64 and random bytes from the Rust SDK', () => {
  let rt: PluginRuntime;
  let plugin: LoadedPlugin;
  beforeAll(async () => {
    const path = await buildInlineRust('text-random', MANIFEST, RUST_SOURCE, ['serde_bytes = "0.11"']);
    rt = testRuntime({ workers: 1 });
    plugin = await rt.load(path);
  }, 300_000);
  afterAll(() => rt?.close());

  checks('Rust', () => ({ rt, plugin }));
});

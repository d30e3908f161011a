import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { runCli, parseJsonl } from './support/cli.js';
import { listen, type Listener } from './support/listeners.js';
import { compileWat } from './sandbox/helpers/wat.js';

/** Hand-written WAT plugins (test/sandbox/wat), compiled with wat2wasm and packed with their manifests. */
function pluginFile(dir: string, name: string): string {
  const file = join(dir, `${name}.wasm`);
  writeFileSync(file, compileWat(name));
  return file;
}

describe('wasmap scan --plugin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmap-plugins-'));
  let echo: net.Server;
  let echoPort: number;
  let ssh: Listener;
  const p: Record<string, string> = {};

  beforeAll(async () => {
    for (const n of ['echo-line', 'connect-to', 'banner-match', 'loop', 'memory-bomb', 'recursion', 'trap', 'huge-output', 'bad-msgpack', 'unknown-import', 'no-manifest']) p[n] = pluginFile(dir, n);
    echo = net.createServer((c) => c.on('data', (d) => c.write(`ECHO ${d}`)));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    echoPort = (echo.address() as net.AddressInfo).port;
    ssh = await listen('127.0.0.1', { greet: 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n' });
  });
  afterAll(async () => {
    echo.close();
    await ssh.close();
  });

  it('runs a scanner plugin written from the ABI alone on each open port, streaming its emit and its result', async () => {
    const r = await runCli(['scan', '127.0.0.1', '-p', String(echoPort), '--plugin', p['echo-line']!, '-f', 'jsonl', '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const events = parseJsonl(r.stdout).filter((e) => e.origin.type === 'echo-line');
    expect(events.map((e) => e.origin.module)).toEqual(['grabber', 'grabber']);
    expect(events[0].result).toMatchObject({ status: 'success', data: { stage: 'sent' } });
    expect(Buffer.from(events[1].result.data.reply, 'base64').toString()).toBe('ECHO HELLO\n');
    expect(events[1].result.sandbox).toMatchObject({ denied: 0, bytes_sent: 6, bytes_received: 11 });
    expect(events[1].target).toEqual({ ip: '127.0.0.1', port: echoPort, protocol: 'tcp' });
  });

  it('passes --plugin-config to the plugin and denies a connection outside the target (-2, counted)', async () => {
    const r = await runCli(['scan', '127.0.0.1', '-p', String(echoPort), '--plugin', p['connect-to']!, '--plugin-config', 'connect-to.host=127.0.0.2', '-f', 'jsonl', '-q']);
    expect(r.code).toBe(0);
    const ev = parseJsonl(r.stdout).find((e) => e.origin.type === 'connect-to');
    expect(ev.result.data).toEqual({ value: -2 });
    expect(ev.result.sandbox.denied).toBe(1);
    const bad = await runCli(['scan', '127.0.0.1', '-p', String(echoPort), '--plugin', p['connect-to']!, '--plugin-config', 'nope.host=x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^wasmap: error: --plugin-config 'nope\.host=x'/);
  });

  it('passes a file\'s text as a string config value with --plugin-config-file, and names a bad one in one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmap-config-file-'));
    const run = async (host: string) => {
      writeFileSync(join(dir, 'host.txt'), host);
      const r = await runCli(['scan', '127.0.0.1', '-p', String(echoPort), '--plugin', p['connect-to']!, '--plugin-config-file', `connect-to.host=${join(dir, 'host.txt')}`, '-f', 'jsonl', '-q']);
      expect(r.code, r.stderr).toBe(0);
      return parseJsonl(r.stdout).find((e) => e.origin.type === 'connect-to');
    };
    // outside the target: denied; the target itself: a handle
    expect((await run('127.0.0.2')).result.sandbox.denied).toBe(1);
    const ok = await run('127.0.0.1');
    expect(ok.result.sandbox.denied).toBe(0);
    expect(ok.result.data.value).toBeGreaterThan(0);
    for (const [arg, msg] of [
      [`connect-to.host=${join(dir, 'missing.txt')}`, /^wasmap: error: --plugin-config-file 'connect-to\.host=.*missing\.txt': cannot read .*: ENOENT\n$/],
      [`connect-to.nope=${join(dir, 'host.txt')}`, /^wasmap: error: --plugin-config-file .*: plugin connect-to has no config key "nope"\n$/],
      ['connect-to.host', /^wasmap: error: --plugin-config-file takes NAME\.KEY=PATH, got 'connect-to\.host'\n$/],
    ] as const) {
      const bad = await runCli(['scan', '127.0.0.1', '-p', String(echoPort), '--plugin', p['connect-to']!, '--plugin-config-file', arg]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(msg);
    }
  });

  it('calls a detection plugin per banner and records the service it names', async () => {
    const r = await runCli(['scan', '127.0.0.1', '-p', String(ssh.port), '--plugin', p['banner-match']!, '-f', 'jsonl', '-q']);
    expect(r.code).toBe(0);
    const events = parseJsonl(r.stdout);
    expect(events.some((e) => e.origin.type === 'banner')).toBe(true); // a banner node was added for it
    expect(events.find((e) => e.origin.type === 'banner-match')?.result.service).toEqual({ name: 'ssh' });
  });

  it('contains hostile plugins: each fails alone with a clear error while the good ones keep every result', async () => {
    const hostile = ['loop', 'memory-bomb', 'recursion', 'trap', 'huge-output', 'bad-msgpack'];
    const args = ['scan', '127.0.0.1', '-p', `${echoPort},${ssh.port}`, '--plugin', p['echo-line']!, '--plugin', p['banner-match']!];
    for (const h of hostile) args.push('--plugin', p[h]!);
    const r = await runCli([...args, '-f', 'jsonl']);
    expect(r.code).toBe(0);
    const events = parseJsonl(r.stdout);
    const of = (type: string) => events.filter((e) => e.origin.type === type);
    // the good plugins' results are all there
    expect(of('echo-line').filter((e) => e.target.port === echoPort)).toHaveLength(2);
    expect(of('banner-match').find((e) => e.target.port === ssh.port)?.result.service).toEqual({ name: 'ssh' });
    expect(of('portscan')).toHaveLength(2);
    // each hostile one says what happened
    const errorOf = (type: string) => of(type).map((e) => `${e.result.status} ${e.result.sandbox?.limit ?? ''} ${e.result.error}`).join('\n');
    expect(errorOf('loop')).toMatch(/application-error cpu_ms .*CPU time limit/);
    expect(errorOf('recursion')).toMatch(/application-error .*(stack|recursion)/i);
    expect(errorOf('trap')).toMatch(/application-error .*unreachable/);
    expect(errorOf('huge-output')).toMatch(/application-error output_bytes/);
    expect(errorOf('bad-msgpack')).toMatch(/application-error .*msgpack/i);
    expect(of('memory-bomb').length).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/wasmap: 1 host \(1 up\), \d+ ports probed, 2 open/);
  });

  it('refuses a plugin the user named that cannot load: one line each naming the file and the fix, exit 2, nothing sent', async () => {
    const textFile = join(dir, 'notes.wasm');
    writeFileSync(textFile, 'not a module\n');
    const r = await runCli(['scan', '127.0.0.1', '-p', String(echoPort), '--plugin', p['echo-line']!, '--plugin', p['unknown-import']!, '--plugin', p['no-manifest']!, '--plugin', join(dir, 'nope.wasm'), '--plugin', textFile, '-f', 'jsonl']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^wasmap: error: plugin unknown-import\.wasm refused: .*env\.system/);
    expect(lines[1]).toMatch(/^wasmap: error: plugin no-manifest\.wasm refused: .*no wasmap\.manifest.*wasmap plugin build DIR.*wasmap plugin pack/);
    expect(lines[2]).toMatch(/^wasmap: error: plugin nope\.wasm refused: .*ENOENT.*no such file/);
    expect(lines[3]).toMatch(/^wasmap: error: plugin notes\.wasm refused: .*not a valid WebAssembly module/);
  });

  it('applies --plugin-limit to every plugin, and refuses an unknown limit', async () => {
    const r = await runCli(['scan', '127.0.0.1', '-p', String(ssh.port), '--plugin', p['loop']!, '--plugin-limit', 'cpu_ms=200', '-f', 'jsonl', '-q']);
    expect(r.code).toBe(0);
    const ev = parseJsonl(r.stdout).find((e) => e.origin.type === 'loop');
    expect(ev.result.sandbox.limit).toBe('cpu_ms');
    expect(ev.result.error).toMatch(/200 ms/);
    const bad = await runCli(['scan', '127.0.0.1', '-p', String(ssh.port), '--plugin', p['loop']!, '--plugin-limit', 'disk_mb=1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^wasmap: error: .*disk_mb/);
  });

  it('refuses to start with --strict-plugins when a plugin is refused', async () => {
    // a refused plugin the user named is always an error now; --strict-plugins is about the bundled ones
    const r = await runCli(['scan', '127.0.0.1', '-p', String(echoPort), '--plugin', p['echo-line']!, '--plugin', p['no-manifest']!, '--strict-plugins']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/plugin no-manifest\.wasm refused/);
  });

  it('runs a plugin as a node of a YAML DAG', async () => {
    const yaml = join(dir, 'with-plugin.yaml');
    writeFileSync(yaml, [
      'name: with-plugin',
      'nodes:',
      '  - id: targets',
      '    module: target_expansion',
      `    config: { targets: ["127.0.0.1"], ports: "${echoPort}" }`,
      '  - id: tcp',
      '    module: connect_scanner',
      '  - id: echo',
      '    module: echo-line',
      '',
    ].join('\n'));
    const invalid = await runCli(['dag', 'validate', yaml]);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toMatch(/:9: error: node "echo": unknown module "echo-line"/);
    const r = await runCli(['dag', 'run', yaml, '--plugin', p['echo-line']!, '-f', 'jsonl']);
    expect(r.code, r.stderr).toBe(0);
    const events = parseJsonl(r.stdout).filter((e) => e.origin.type === 'echo-line');
    expect(events).toHaveLength(2);
    expect(r.stderr).toMatch(/echo\s+echo-line\s+ok\s.*invocations=1/);
  });
});

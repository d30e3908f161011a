/**
 * `wasmap plugin keygen` and `wasmap plugin sign` from the built CLI, with a
 * real bundled plugin: the real `minisign` verifies what they write and signs
 * with the key keygen made; the password is typed on a real terminal
 * (util-linux `script`) or given in WASMAP_KEY_PASSWORD. Bad input is one
 * line and exit 2.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlugin } from '../../src/sandbox/plugin.js';
import { parsePublicKey, parseSignature } from '../../src/signing/minisign.js';
import { parseClaim } from '../../src/signing/plugin-claim.js';
import { CLI, expectRefusal, runCli } from '../support/cli.js';

const REDIS = fileURLToPath(new URL('../../dist/plugins/redis.wasm', import.meta.url));
const PASSWORD = 'se cret';
const tmp = mkdtempSync(join(tmpdir(), 'wasmap-plugin-sign-'));
const at = (f: string): string => join(tmp, f);
// never the real home: minisign's default key directory and the store's folders all live under tmp
const env = { MINISIGN_CONFIG_DIR: at('minisign-dir'), XDG_DATA_HOME: at('data'), XDG_CONFIG_HOME: at('config'), WASMAP_PLUGIN_PATH: at('system') };
delete process.env.WASMAP_KEY_PASSWORD;
const wasm = at('redis.wasm');

function minisign(args: string[], input = ''): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('/usr/bin/minisign', args, { input, encoding: 'utf8', cwd: tmp });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs the CLI on a pseudo-terminal and types each answer (then Enter) once
 * the next "Password" prompt is on the screen; a '\x03' answer is a Ctrl-C.
 */
function onTerminal(args: string[], answers: string[]): Promise<{ code: number | null; screen: string }> {
  const cmd = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: tmp, env: { ...process.env, ...env } });
    let screen = '';
    let answered = 0;
    child.stdout.on('data', (d) => {
      screen += d;
      if ((screen.match(/Password/g) ?? []).length > answered && answered < answers.length) {
        const a = answers[answered++]!;
        child.stdin.write(a === '\x03' ? a : `${a}\r`);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      child.stdin.end();
      resolve({ code, screen });
    });
  });
}

let keygenOnTerminal: { code: number | null; screen: string };

beforeAll(async () => {
  copyFileSync(REDIS, wasm);
  keygenOnTerminal = await onTerminal(['plugin', 'keygen', '-p', 'enc.pub', '-s', 'enc.key'], [PASSWORD, PASSWORD]);
}, 120_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('wasmap plugin keygen and sign', () => {
  it('write a key pair and a signature that minisign accepts, whose trusted comment is the plugin claim', async () => {
    expect(keygenOnTerminal.code, keygenOnTerminal.screen).toBe(0);
    expect(keygenOnTerminal.screen).not.toContain(PASSWORD); // typed without echo
    const pub = parsePublicKey(readFileSync(at('enc.pub'), 'utf8'));
    expect(keygenOnTerminal.screen).toContain(`key id      ${pub.keyId}`);
    expect(statSync(at('enc.key')).mode & 0o777).toBe(0o600);

    // the password typed on the terminal is the one the key opens with
    const signed = await runCli(['plugin', 'sign', wasm, '-s', at('enc.key')], { env: { ...env, WASMAP_KEY_PASSWORD: PASSWORD } });
    expect(signed.code, signed.stderr).toBe(0);
    const r = minisign(['-Q', '-V', '-p', 'enc.pub', '-m', 'redis.wasm']);
    expect(r.code, r.stderr).toBe(0);
    const trusted = r.stdout.trimEnd();
    const manifest = (await loadPlugin(wasm)).manifest;
    expect(parseClaim(trusted)).toEqual({ name: 'redis', version: manifest.version, sha256: createHash('sha256').update(readFileSync(wasm)).digest('hex') });
    expect(trusted).toMatch(/ timestamp:\d+$/);
    expect(parseSignature(readFileSync(`${wasm}.minisig`, 'utf8')).algorithm).toBe('ED');

    // and minisign signs with the encrypted key keygen wrote
    expect(minisign(['-S', '-s', 'enc.key', '-m', 'redis.wasm', '-x', 'by-minisign.minisig'], `${PASSWORD}\n`).code).toBe(0);
    expect(minisign(['-V', '-p', 'enc.pub', '-m', 'redis.wasm', '-x', 'by-minisign.minisig']).code).toBe(0);
  });

  it("use minisign's default paths, and sign --legacy with a key without password", async () => {
    const cwd = at('defaults');
    mkdirSync(cwd);
    copyFileSync(REDIS, join(cwd, 'redis.wasm'));
    const made = await runCli(['plugin', 'keygen', '--no-password'], { env, cwd });
    expect(made.code, made.stderr).toBe(0);
    expect(existsSync(join(cwd, 'minisign.pub'))).toBe(true);
    expect(existsSync(join(env.MINISIGN_CONFIG_DIR, 'minisign.key'))).toBe(true);
    const signed = await runCli(['plugin', 'sign', 'redis.wasm', '--legacy'], { env, cwd });
    expect(signed.code, signed.stderr).toBe(0);
    expect(parseSignature(readFileSync(join(cwd, 'redis.wasm.minisig'), 'utf8')).algorithm).toBe('Ed');
    const r = spawnSync('/usr/bin/minisign', ['-V', '-m', 'redis.wasm'], { cwd, encoding: 'utf8' }); // ./minisign.pub, redis.wasm.minisig
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Trusted comment: wasmap-plugin name=redis ');
  });

  it('refuse bad input with one line, exit 2, and write nothing', async () => {
    writeFileSync(at('not-a-plugin.wasm'), 'hello');
    const out = at('refused.minisig');
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['plugin', 'keygen', '-p', at('enc.pub'), '-s', at('other.key'), '--no-password'], {}, /enc\.pub already exists \(--force overwrites it\)/],
      [['plugin', 'keygen', '-p', at('new.pub'), '-s', at('new.key')], {}, /a password is needed for the secret key: set WASMAP_KEY_PASSWORD, run on a terminal, or use --no-password/],
      [['plugin', 'sign', at('missing.wasm'), '-s', at('enc.key'), '-o', out], {}, /missing\.wasm: cannot open \(ENOENT\)/],
      [['plugin', 'sign', at('not-a-plugin.wasm'), '-s', at('enc.key'), '-o', out], {}, /not-a-plugin\.wasm: not a valid WebAssembly module/],
      [['plugin', 'sign', wasm, '-s', at('enc.key'), '-o', out], {}, /enc\.key is encrypted: set WASMAP_KEY_PASSWORD or run on a terminal/],
      [['plugin', 'sign', wasm, '-s', at('enc.key'), '-o', out], { WASMAP_KEY_PASSWORD: 'not it' }, /enc\.key: wrong password for that secret key/],
      [['plugin', 'sign', wasm, '-s', at('enc.pub'), '-o', out], {}, /enc\.pub: secret key: 42 bytes where minisign's format has 158/],
      [['plugin', 'sign', wasm, '-s', at('missing.key'), '-o', out], {}, /cannot read the secret key .*missing\.key: ENOENT/],
    ];
    for (const [args, extra, pattern] of cases) expectRefusal(await runCli(args, { env: { ...env, ...extra } }), pattern);
    for (const f of [out, at('other.key'), at('new.pub'), at('new.key')]) expect(existsSync(f), f).toBe(false);
  });

  it('on a terminal, refuse two different passwords and stop at Ctrl-C, echoing neither', async () => {
    const differ = await onTerminal(['plugin', 'keygen', '-p', 'new.pub', '-s', 'new.key'], ['secret-one', 'secret-two']);
    expect(differ.code).toBe(2);
    expect(differ.screen).toMatch(/wasmap: error: the two passwords differ/);
    expect(differ.screen).not.toContain('secret-');
    const interrupted = await onTerminal(['plugin', 'sign', wasm, '-s', at('enc.key'), '-o', at('refused.minisig')], ['\x03']);
    expect(interrupted.code).toBe(130);
    for (const f of [at('new.pub'), at('new.key'), at('refused.minisig')]) expect(existsSync(f), f).toBe(false);
  });
});

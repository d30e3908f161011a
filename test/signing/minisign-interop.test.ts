/**
 * Both directions with the real `minisign` (Debian's 0.11): its keys and
 * signatures verify here, ours verify there, its encrypted secret key opens
 * here with its password, and our secret key signs there. An encrypted key
 * costs one scrypt of 1 GiB (seconds) per use, so there are few of them.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formatPublicKey, generateKeyPair, parsePublicKey, parseSecretKey, parseSignature, signData, verifySignature, type PublicKey,
} from '../../src/signing/minisign.js';

const MINISIGN = '/usr/bin/minisign';
const PASSWORD = 'correct horse battery staple';
const CLAIM = `wasmap-plugin name=redis version=1.0.0 sha256=${'c'.repeat(64)}`;
const tmp = mkdtempSync(join(tmpdir(), 'wasmap-minisign-'));
const at = (f: string): string => join(tmp, f);
const data = randomBytes(200_000);

/** Runs minisign; `input` goes to its stdin, where it reads passwords when stdin is not a terminal. */
function minisign(args: string[], input = ''): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(MINISIGN, args, { input, encoding: 'utf8', cwd: tmp });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(args: string[], input = ''): string {
  const r = minisign(args, input);
  expect(r.code, `minisign ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect((e as { code?: string }).code, String(e)).toBe('WASMAP_SIGNATURE');
    return (e as Error).message;
  }
  throw new Error('expected a SignatureError, nothing was thrown');
}

let plainPub: PublicKey; // made by `minisign -G -W`
let encPub: PublicKey; // made by `minisign -G` (encrypted)

beforeAll(() => {
  writeFileSync(at('plugin.wasm'), data);
  ok(['-G', '-W', '-p', 'plain.pub', '-s', 'plain.key']);
  ok(['-G', '-p', 'enc.pub', '-s', 'enc.key'], `${PASSWORD}\n${PASSWORD}\n`);
  ok(['-S', '-s', 'plain.key', '-m', 'plugin.wasm', '-t', CLAIM]);
  ok(['-S', '-l', '-s', 'plain.key', '-m', 'plugin.wasm', '-x', 'legacy.minisig', '-t', CLAIM]);
  ok(['-S', '-s', 'enc.key', '-m', 'plugin.wasm', '-x', 'enc.minisig'], `${PASSWORD}\n`);
  plainPub = parsePublicKey(readFileSync(at('plain.pub'), 'utf8'));
  encPub = parsePublicKey(readFileSync(at('enc.pub'), 'utf8'));
}, 120_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("minisign's keys and signatures, read here", () => {
  it('parses its public keys with the key id it prints, and writes the .pub file byte for byte', () => {
    const text = readFileSync(at('plain.pub'), 'utf8');
    expect(text.split('\n')[0]).toBe(`untrusted comment: minisign public key ${plainPub.keyId.replace(/^0+/, '')}`);
    expect(plainPub.keyId).toMatch(/^[0-9A-F]{16}$/);
    expect(formatPublicKey(plainPub)).toBe(text);
    expect(parsePublicKey(text.split('\n')[1]!)).toEqual(plainPub); // the bare "RW…" form
  });

  it('writes the .pub file of a key whose id has a leading zero as minisign does (it prints the id without it)', () => {
    // 1 key in 16 has such an id; 300 tries miss one with odds of about 4 in a million
    for (let i = 0; i < 300; i++) {
      ok(['-G', '-W', '-f', '-p', 'zero.pub', '-s', 'zero.key']);
      const text = readFileSync(at('zero.pub'), 'utf8');
      const k = parsePublicKey(text);
      if (!k.keyId.startsWith('0')) continue;
      expect(text.split('\n')[0]).toBe(`untrusted comment: minisign public key ${k.keyId.slice(1).replace(/^0+/, '')}`);
      expect(formatPublicKey(k)).toBe(text);
      return;
    }
    throw new Error('minisign made no key with a leading-zero id in 300 tries');
  });

  it('verifies its prehashed and legacy signatures and their trusted comments', () => {
    for (const [file, algorithm, key] of [['plugin.wasm.minisig', 'ED', plainPub], ['legacy.minisig', 'Ed', plainPub], ['enc.minisig', 'ED', encPub]] as const) {
      const sig = parseSignature(readFileSync(at(file), 'utf8'));
      expect(sig.algorithm).toBe(algorithm);
      expect(sig.keyId).toBe(key.keyId);
      verifySignature(data, sig, key);
    }
    expect(parseSignature(readFileSync(at('plugin.wasm.minisig'), 'utf8')).trustedComment).toBe(CLAIM);
  });

  it('refuses a changed file, an altered trusted comment and another key, each with its own message', () => {
    const messages = new Set<string>();
    for (const file of ['plugin.wasm.minisig', 'legacy.minisig']) {
      const text = readFileSync(at(file), 'utf8');
      const sig = parseSignature(text);
      const flipped = Buffer.from(data);
      flipped[123_456] ^= 0x01;
      const changedFile = refusal(() => verifySignature(flipped, sig, plainPub));
      expect(changedFile).toMatch(/does not match the file/);
      const altered = parseSignature(text.replace('version=1.0.0', 'version=9.0.0'));
      const alteredComment = refusal(() => verifySignature(data, altered, plainPub));
      expect(alteredComment).toMatch(/trusted comment was altered/);
      const otherKey = refusal(() => verifySignature(data, sig, encPub));
      expect(otherKey).toMatch(new RegExp(`signature is by key ${plainPub.keyId}, not by key ${encPub.keyId}`));
      // another key under the right key id: the Ed25519 check itself refuses it
      expect(refusal(() => verifySignature(data, sig, { keyId: plainPub.keyId, key: encPub.key }))).toBe(changedFile);
      for (const m of [changedFile, alteredComment, otherKey]) messages.add(m);
    }
    expect(messages.size).toBe(3);
  });

  it('opens its encrypted secret key with the password only, and signs what minisign verifies', () => {
    const text = readFileSync(at('enc.key'), 'utf8');
    expect(refusal(() => parseSecretKey(text))).toMatch(/encrypted: a password is needed/);
    expect(refusal(() => parseSecretKey(text, `${PASSWORD}!`))).toMatch(/wrong password/);
    const key = parseSecretKey(text, PASSWORD);
    expect(key.publicKey).toEqual(encPub);
    writeFileSync(at('ours-with-theirs.minisig'), signData(data, key, { trustedComment: CLAIM }));
    expect(ok(['-Q', '-V', '-p', 'enc.pub', '-m', 'plugin.wasm', '-x', 'ours-with-theirs.minisig'])).toBe(`${CLAIM}\n`);
    expect(parseSecretKey(readFileSync(at('plain.key'), 'utf8')).publicKey).toEqual(plainPub);
  });
});

describe('our keys and signatures, read by minisign', () => {
  it('verifies our prehashed and legacy signatures, shows our trusted comment, and refuses a changed file', () => {
    const pair = generateKeyPair();
    writeFileSync(at('ours.pub'), pair.publicKeyText);
    const key = parseSecretKey(pair.secretKeyText);
    for (const legacy of [false, true]) {
      const sigFile = legacy ? 'ours-legacy.minisig' : 'ours.minisig';
      writeFileSync(at(sigFile), signData(data, key, { trustedComment: CLAIM, untrustedComment: 'made by wasmap' }, { legacy }));
      expect(ok(['-V', '-p', 'ours.pub', '-m', 'plugin.wasm', '-x', sigFile])).toBe(`Signature and comment signature verified\nTrusted comment: ${CLAIM}\n`);
      expect(ok(['-Q', '-V', '-P', pair.publicKeyText.split('\n')[1]!, '-m', 'plugin.wasm', '-x', sigFile])).toBe(`${CLAIM}\n`);
      expect(parseSignature(readFileSync(at(sigFile), 'utf8')).algorithm).toBe(legacy ? 'Ed' : 'ED');
    }
    writeFileSync(at('changed.wasm'), Buffer.concat([data, Buffer.from([0])]));
    const r = minisign(['-V', '-p', 'ours.pub', '-m', 'changed.wasm', '-x', 'ours.minisig']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Signature verification failed/);
  });

  it('accepts our unencrypted secret key for minisign -S', () => {
    const pair = generateKeyPair();
    writeFileSync(at('ours-plain.key'), pair.secretKeyText);
    writeFileSync(at('ours-plain.pub'), pair.publicKeyText);
    ok(['-S', '-s', 'ours-plain.key', '-m', 'plugin.wasm', '-x', 'by-minisign.minisig', '-t', CLAIM]);
    ok(['-V', '-p', 'ours-plain.pub', '-m', 'plugin.wasm', '-x', 'by-minisign.minisig']);
    verifySignature(data, parseSignature(readFileSync(at('by-minisign.minisig'), 'utf8')), pair.publicKey);
  });
});

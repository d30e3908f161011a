/**
 * The parts of src/signing that need no minisign binary: BLAKE2b at any
 * output length (RFC 7693 vectors and node's blake2b512), the plugin claim,
 * and refusal of every truncated or malformed key and signature.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { blake2b } from '../../src/signing/blake2b.js';
import { generateKeyPair, parsePublicKey, parseSecretKey, parseSignature, signData, verifySignature } from '../../src/signing/minisign.js';
import { formatClaim, parseClaim } from '../../src/signing/plugin-claim.js';

function signatureError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect((e as { code?: string }).code, String(e)).toBe('WASMAP_SIGNATURE');
    const message = (e as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a SignatureError, nothing was thrown');
}

describe('BLAKE2b', () => {
  it('gives the RFC 7693 and libsodium values, and 32 bytes is its own hash, not a prefix of 64', () => {
    // RFC 7693 appendix A; BLAKE2b-256 values as libsodium's crypto_generichash computes them
    expect(blake2b(Buffer.from('abc'), 64).toString('hex')).toBe(
      'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923',
    );
    expect(blake2b(Buffer.alloc(0), 32).toString('hex')).toBe('0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8');
    expect(blake2b(Buffer.from('abc'), 32).toString('hex')).toBe('bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319');
    expect(blake2b(Buffer.from('abc'), 32).equals(blake2b(Buffer.from('abc'), 64).subarray(0, 32))).toBe(false);
  });

  it("agrees with node's blake2b512 at every length across the block boundaries", () => {
    for (let n = 0; n <= 3 * 128 + 1; n++) {
      const data = randomBytes(n);
      expect(blake2b(data, 64).toString('hex'), `length ${n}`).toBe(createHash('blake2b512').update(data).digest('hex'));
    }
  });
});

describe('plugin claim', () => {
  const sha256 = 'ab'.repeat(32);

  it('round-trips, and ignores the tokens after it', () => {
    const text = formatClaim({ name: 'redis-info', version: '1.2.0-rc.1', sha256 });
    expect(text).toBe(`wasmap-plugin name=redis-info version=1.2.0-rc.1 sha256=${sha256}`);
    expect(parseClaim(`${text} timestamp:1796452242`)).toEqual({ name: 'redis-info', version: '1.2.0-rc.1', sha256 });
  });

  it('refuses anything else', () => {
    for (const bad of [
      '',
      'timestamp:1796452242\tfile:redis.wasm\thashed', // minisign's default trusted comment
      'wasmap-plugin name=redis version=1.0.0',
      `wasmap-plugin version=1.0.0 name=redis sha256=${sha256}`,
      `wasmap-plugin  name=redis version=1.0.0 sha256=${sha256}`,
      `wasmap-plugin name=redis version=1.0.0 sha256=${sha256.toUpperCase()}`,
      `wasmap-plugin name=redis version=1.0.0 sha256=${sha256.slice(1)}`,
      `wasmap-plugin name=redis version=1.0.0 sha256=${sha256}\ttimestamp:1`,
      `wasmap-plugin name= version=1.0.0 sha256=${sha256}`,
      `wasmap-pluginx name=redis version=1.0.0 sha256=${sha256}`,
    ]) {
      signatureError(() => parseClaim(bad));
    }
    signatureError(() => formatClaim({ name: 'a b', version: '1.0.0', sha256 }));
  });
});

describe('malformed keys and signatures', () => {
  const pair = generateKeyPair();
  const key = parseSecretKey(pair.secretKeyText);
  const data = Buffer.from('plugin bytes');
  const sigText = signData(data, key, { trustedComment: 'wasmap-plugin name=a version=1.0.0 sha256=' + '0'.repeat(64) });

  it('reads back what it writes', () => {
    expect(parsePublicKey(pair.publicKeyText)).toEqual(pair.publicKey);
    expect(key.publicKey).toEqual(pair.publicKey);
    verifySignature(data, parseSignature(sigText), pair.publicKey);
  });

  it('refuses every truncation of a public key, a secret key and a signature', () => {
    for (const [text, parse] of [
      [pair.publicKeyText, parsePublicKey],
      [pair.secretKeyText, (t: string) => parseSecretKey(t)],
      [sigText, parseSignature],
    ] as const) {
      const full = text.trimEnd();
      for (let n = 0; n < full.length; n++) signatureError(() => parse(full.slice(0, n)));
    }
  });

  it('refuses a damaged unencrypted secret key and a key of another algorithm', () => {
    const lines = pair.secretKeyText.split('\n');
    const bytes = Buffer.from(lines[1]!, 'base64');
    const flipSeed = Buffer.from(bytes);
    flipSeed[62] ^= 1;
    expect(signatureError(() => parseSecretKey(`${lines[0]}\n${flipSeed.toString('base64')}\n`))).toMatch(/checksum does not match/);
    // minisign -W leaves the checksum zero: then the public half must still be the seed's
    flipSeed.fill(0, 126);
    expect(signatureError(() => parseSecretKey(`${lines[0]}\n${flipSeed.toString('base64')}\n`))).toMatch(/public half does not match/);
    const pub = Buffer.from(pair.publicKeyText.split('\n')[1]!, 'base64');
    pub.write('EC', 0, 'latin1');
    expect(signatureError(() => parsePublicKey(pub.toString('base64')))).toMatch(/not an Ed25519/);
  });

  it('refuses a trusted comment with control characters, in a file or to sign', () => {
    const lines = sigText.split('\n');
    lines[2] = `${lines[2]}\u001b[2J`;
    expect(signatureError(() => parseSignature(lines.join('\n')))).toMatch(/control characters/);
    expect(signatureError(() => signData(data, key, { trustedComment: 'a\nb' }))).toMatch(/one line/);
  });
});

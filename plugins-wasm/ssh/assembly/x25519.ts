// X25519 (RFC 7748 §5), ported from TweetNaCl's crypto_scalarmult: a field
// element is 16 signed limbs of 16 bits in i64, so products never overflow.
// Constant-time selects as in the original; speed is irrelevant here (one
// scalar multiplication per connection).

type Gf = StaticArray<i64>;

function gf(): Gf { return new StaticArray<i64>(16); }

function car(o: Gf): void {
  for (let i = 0; i < 16; i++) {
    o[i] += 1 << 16;
    const c = o[i] >> 16;
    if (i < 15) o[i + 1] += c - 1;
    else o[0] += 38 * (c - 1);
    o[i] -= c << 16;
  }
}

function sel(p: Gf, q: Gf, b: i64): void {
  const c = ~(b - 1);
  for (let i = 0; i < 16; i++) {
    const t = c & (p[i] ^ q[i]);
    p[i] ^= t;
    q[i] ^= t;
  }
}

function pack(o: Uint8Array, n: Gf): void {
  const m = gf(), t = gf();
  for (let i = 0; i < 16; i++) t[i] = n[i];
  car(t); car(t); car(t);
  for (let j = 0; j < 2; j++) {
    m[0] = t[0] - 0xffed;
    for (let i = 1; i < 15; i++) {
      m[i] = t[i] - 0xffff - ((m[i - 1] >> 16) & 1);
      m[i - 1] &= 0xffff;
    }
    m[15] = t[15] - 0x7fff - ((m[14] >> 16) & 1);
    const b = (m[15] >> 16) & 1;
    m[14] &= 0xffff;
    sel(t, m, 1 - b);
  }
  for (let i = 0; i < 16; i++) {
    o[2 * i] = <u8>(t[i] & 0xff);
    o[2 * i + 1] = <u8>((t[i] >> 8) & 0xff);
  }
}

function unpack(o: Gf, n: Uint8Array): void {
  for (let i = 0; i < 16; i++) o[i] = <i64>n[2 * i] + (<i64>n[2 * i + 1] << 8);
  o[15] &= 0x7fff; // RFC 7748: the top bit of the u-coordinate is ignored
}

function add(o: Gf, a: Gf, b: Gf): void { for (let i = 0; i < 16; i++) o[i] = a[i] + b[i]; }
function sub(o: Gf, a: Gf, b: Gf): void { for (let i = 0; i < 16; i++) o[i] = a[i] - b[i]; }

const T = new StaticArray<i64>(31);
function mul(o: Gf, a: Gf, b: Gf): void {
  for (let i = 0; i < 31; i++) T[i] = 0;
  for (let i = 0; i < 16; i++) for (let j = 0; j < 16; j++) T[i + j] += a[i] * b[j];
  for (let i = 0; i < 15; i++) T[i] += 38 * T[i + 16];
  for (let i = 0; i < 16; i++) o[i] = T[i];
  car(o); car(o);
}

function sqr(o: Gf, a: Gf): void { mul(o, a, a); }

function inv(o: Gf, i: Gf): void {
  const c = gf();
  for (let a = 0; a < 16; a++) c[a] = i[a];
  for (let a = 253; a >= 0; a--) {
    sqr(c, c);
    if (a != 2 && a != 4) mul(c, c, i);
  }
  for (let a = 0; a < 16; a++) o[a] = c[a];
}

/** X25519(scalar, u): both 32 bytes, little-endian (RFC 7748 §5); null on a wrong length. */
export function x25519(scalar: Uint8Array, u: Uint8Array): Uint8Array | null {
  if (scalar.length != 32 || u.length != 32) return null;
  const z = new Uint8Array(32);
  for (let i = 0; i < 32; i++) z[i] = scalar[i];
  z[31] = (z[31] & 127) | 64; // clamp
  z[0] &= 248;
  const x = gf(), a = gf(), b = gf(), c = gf(), d = gf(), e = gf(), f = gf();
  const k121665 = gf();
  k121665[0] = 0xdb41;
  k121665[1] = 1;
  unpack(x, u);
  for (let i = 0; i < 16; i++) b[i] = x[i];
  a[0] = 1;
  d[0] = 1;
  for (let i = 254; i >= 0; --i) {
    const r = <i64>((z[i >> 3] >> (<u8>(i & 7))) & 1);
    sel(a, b, r);
    sel(c, d, r);
    add(e, a, c);
    sub(a, a, c);
    add(c, b, d);
    sub(b, b, d);
    sqr(d, e);
    sqr(f, a);
    mul(a, c, a);
    mul(c, b, e);
    add(e, a, c);
    sub(a, a, c);
    sqr(b, a);
    sub(c, d, f);
    mul(a, c, k121665);
    add(a, a, d);
    mul(c, c, a);
    mul(a, d, f);
    mul(d, b, x);
    sqr(b, e);
    sel(a, b, r);
    sel(c, d, r);
  }
  const ci = gf();
  inv(ci, c);
  mul(a, a, ci);
  const out = new Uint8Array(32);
  pack(out, a);
  return out;
}

/** X25519(scalar, 9): the public key of `scalar`. */
export function x25519Base(scalar: Uint8Array): Uint8Array | null {
  const nine = new Uint8Array(32);
  nine[0] = 9;
  return x25519(scalar, nine);
}

// The SDK's BER encoder and decoder called in-process (test/support/as-unit.ts):
// INTEGER and OID encodings checked against OpenSSL's own DER encoder, and
// hostile lengths (indefinite, over 4 octets, over 2 GiB, longer than the
// container, a header cut short) refused with an error, never a trap.
//   npx vitest run sdk/assemblyscript/test/ber.test.ts
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/sandbox/helpers/fixtures.js';
import { useUnit, type Ptr } from '../../../test/support/as-unit.js';

interface BerUnit {
  frameLength(b: Ptr, max: number): number;
  encodeLength(n: number): Ptr;
  encodeInt(v: bigint): Ptr;
  encodeUint(v: bigint): Ptr;
  encodeOid(s: Ptr): Ptr;
  ldapBind(): Ptr;
  decodeInt(b: Ptr): Ptr;
  decodeUint(b: Ptr): Ptr;
  decodeOid(b: Ptr): Ptr;
  walk(b: Ptr): Ptr;
}

const u = useUnit<BerUnit>(join(fileURLToPath(new URL('.', import.meta.url)), 'unit', 'ber'));
const NEED_MORE = -1;
const MALFORMED = -2;
const TOO_LONG = -3;

const hex = (p: Ptr): string | null => {
  const b = u.getBytes(p);
  return b === null ? null : Buffer.from(b).toString('hex');
};
const bytes = (h: string): Ptr => u.bytes(Buffer.from(h, 'hex'));
const walk = (h: string): string => u.getStr(u.fn.walk(bytes(h)));

/** What `openssl asn1parse -genstr` encodes for `spec` (e.g. INTEGER:-129), as hex. */
function openssl(spec: string): string {
  const out = join(tempDir('ber-openssl'), 'o.der');
  const r = spawnSync('openssl', ['asn1parse', '-genstr', spec, '-out', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl asn1parse -genstr ${spec} failed: ${r.stderr}`);
  return readFileSync(out).toString('hex');
}

describe('the SDK BER encoder', () => {
  it('writes INTEGERs in the fewest octets, as OpenSSL does, and reads them back', () => {
    for (const v of [0n, 127n, 128n, -1n, -128n, -129n, 256n, 65535n, -65536n, 9223372036854775807n, -9223372036854775808n]) {
      const want = openssl(`INTEGER:${v}`);
      expect(hex(u.fn.encodeInt(v)), String(v)).toBe(want);
      expect(u.getStr(u.fn.decodeInt(bytes(want)))).toBe(`int:${v}`);
    }
  });

  it('writes unsigned integers with a leading zero octet when the top bit is set', () => {
    expect(hex(u.fn.encodeUint(0n))).toBe('020100');
    expect(hex(u.fn.encodeUint(0xffffffffn))).toBe(openssl('INTEGER:4294967295'));
    expect(hex(u.fn.encodeUint(0xffffffffffffffffn))).toBe(openssl('INTEGER:18446744073709551615'));
    expect(u.getStr(u.fn.decodeUint(bytes(openssl('INTEGER:18446744073709551615'))))).toBe('uint:18446744073709551615');
    expect(u.getStr(u.fn.decodeUint(bytes('020a01000000000000000000')))).toBe('error:value: unsigned integer of 10 octets');
    expect(u.getStr(u.fn.decodeUint(bytes('0209010000000000000000')))).toBe('error:value: unsigned integer of 9 octets'); // 9 octets only with a leading zero
  });

  it('writes OBJECT IDENTIFIERs as OpenSSL does and reads them back; refuses what is not an OID', () => {
    for (const oid of ['1.3.6.1.4.1.4203.1.11.1', '1.2.840.113556.1.4.319', '2.999.3', '1.3.6.1.2.1.1.1.0']) {
      const want = openssl(`OID:${oid}`);
      expect(hex(u.fn.encodeOid(u.str(oid))), oid).toBe(want);
      expect(u.getStr(u.fn.decodeOid(bytes(want)))).toBe(`oid:${oid}`);
    }
    for (const bad of ['', '1', '3.1', '1.40', '1..2', '1.2.x', '1.2.99999999999999999999']) expect(u.fn.encodeOid(u.str(bad)), bad).toBe(0);
    expect(u.getStr(u.fn.decodeOid(bytes('06032b8080')))).toMatch(/^error:.*malformed OBJECT IDENTIFIER/); // non-minimal subidentifier
    expect(u.getStr(u.fn.decodeOid(bytes('06022b86')))).toMatch(/^error:/); // cut in a subidentifier
  });

  it('uses the short length form below 128 and the shortest long form above', () => {
    expect(hex(u.fn.encodeLength(0))).toBe('00');
    expect(hex(u.fn.encodeLength(127))).toBe('7f');
    expect(hex(u.fn.encodeLength(128))).toBe('8180');
    expect(hex(u.fn.encodeLength(256))).toBe('820100');
    expect(hex(u.fn.encodeLength(0x1000000))).toBe('8401000000');
  });

  it('builds the anonymous bind ldapsearch -x sends, byte for byte', () => {
    expect(hex(u.fn.ldapBind())).toBe('300c020101600702010304008000');
  });
});

describe('the SDK BER decoder, on hostile lengths', () => {
  it('frames a stream: needs more while the header is cut, then the whole TLV size', () => {
    expect(u.fn.frameLength(bytes(''), 1024)).toBe(NEED_MORE);
    expect(u.fn.frameLength(bytes('30'), 1024)).toBe(NEED_MORE);
    expect(u.fn.frameLength(bytes('3082'), 1024)).toBe(NEED_MORE);
    expect(u.fn.frameLength(bytes('308201'), 1024)).toBe(NEED_MORE);
    expect(u.fn.frameLength(bytes('30820100'), 1024)).toBe(4 + 256);
    expect(u.fn.frameLength(bytes('3005'), 1024)).toBe(7);
  });

  it('refuses the indefinite form, lengths over 4 octets, over 2^31-1, over the cap, and high tag numbers', () => {
    expect(u.fn.frameLength(bytes('3080'), 1024)).toBe(MALFORMED);
    expect(u.fn.frameLength(bytes('30850000000001'), 1024)).toBe(MALFORMED);
    expect(u.fn.frameLength(bytes('3084ffffffff'), 1024)).toBe(MALFORMED);
    expect(u.fn.frameLength(bytes('3084800000000000'), 1024)).toBe(MALFORMED);
    expect(u.fn.frameLength(bytes('30847fffffff'), 2 ** 31 - 1)).toBe(TOO_LONG); // header + content would pass 2^31-1
    expect(u.fn.frameLength(bytes('30820401'), 1024)).toBe(TOO_LONG);
    expect(u.fn.frameLength(bytes('1f8101'), 1024)).toBe(MALFORMED);
    expect(walk('3080020100')).toMatch(/^error:unsupported BER header at offset 0/);
    expect(walk('3f0100')).toMatch(/^error:unsupported BER header/);
  });

  it('refuses a length that overruns its container, at any depth, without reading past it', () => {
    expect(walk('30847fffffff')).toMatch(/^error:BER length 2147483647 at offset 0 overruns its container \(0 bytes left\)/);
    expect(walk('3003040561')).toMatch(/^error:BER length 5 at offset 2 overruns its container \(1 bytes left\)/);
    // the inner SEQUENCE claims 4 octets: within the buffer, but past its parent's end
    expect(walk('30043004020101' + '0000')).toMatch(/^error:BER length 4 at offset 2 overruns its container \(2 bytes left\)/);
    expect(walk('30')).toMatch(/^error:BER header cut at offset 0/);
    expect(walk('300302')).toMatch(/^error:BER length 3 at offset 0 overruns/);
    expect(walk('300402010104')).toMatch(/^error:BER header cut at offset 5/); // a lone tag octet at the end of its container
  });

  it('walks well-formed nesting, and refuses INTEGERs of 0 or more than 8 octets', () => {
    expect(walk('300c020101600702010304008000')).toBe('30[2:1 60[2:1 4:0 80:0]]');
    expect(u.getStr(u.fn.decodeInt(bytes('0200')))).toBe('error:value: INTEGER of 0 octets');
    expect(u.getStr(u.fn.decodeInt(bytes('0209010000000000000000')))).toBe('error:value: INTEGER of 9 octets');
    expect(u.getStr(u.fn.decodeInt(bytes('0401ff')))).toBe('error:value: tag 0x4, expected 0x2');
  });

  it('walks a nest 100 deep and 300 runs of scrambled bytes, answering or refusing each without a trap', () => {
    const tlv = (tag: string, content: string): string => {
      const n = content.length / 2;
      const len = n < 128 ? n.toString(16).padStart(2, '0') : `82${n.toString(16).padStart(4, '0')}`;
      return tag + len + content;
    };
    let deep = '0500';
    for (let i = 0; i < 100; i++) deep = tlv('30', deep);
    const dump = walk(deep);
    expect(dump.startsWith(`${'30['.repeat(64)}30:`)).toBe(true); // the unit opens 64 levels, then prints lengths
    expect(dump).not.toMatch(/error/);
    expect(walk(deep.slice(0, -2))).toMatch(/^error:BER length \d+ at offset 0 overruns/);
    for (let i = 0; i < 300; i++) {
      const b = Buffer.alloc(1 + (i % 40));
      for (let j = 0; j < b.length; j++) b[j] = (i * 131 + j * 17 + ((j * j) % 7)) & 0xff;
      expect(u.getStr(u.fn.walk(u.bytes(b)))).toMatch(/^(error:|[0-9a-f]+[[:]|$)/);
    }
    u.collect();
  });
});

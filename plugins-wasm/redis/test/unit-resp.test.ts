// The redis reply parser (assembly/resp.ts) called in-process through
// @assemblyscript/loader (test/support/as-unit.ts): hostile, cut and
// non-UTF-8 replies, no daemon and no runtime. redis.test.ts runs the same
// unit on the replies of a real redis-server.
//   npx vitest run plugins-wasm/redis/test/unit-resp.test.ts
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useUnit, type Ptr } from '../../../test/support/as-unit.js';

interface Parsed { state: number; text: string; nil: boolean; info?: Record<string, string>; truncated?: boolean; prefix_need_more: number; prefix_malformed: number; prefix_complete: number; prefix_max_keys: number }

const unit = useUnit<{ parse(b: Ptr): Ptr }>(join(fileURLToPath(new URL('.', import.meta.url)), 'unit'));
const parse = (reply: Uint8Array): { data: Parsed } => ({ data: unit.getMsgpack(unit.fn.parse(unit.bytes(reply))) as Parsed });
const bulk = (body: Buffer): Buffer => Buffer.concat([Buffer.from(`$${body.length}\r\n`), body, Buffer.from('\r\n')]);

describe('the redis reply parser', () => {
  it('refuses hostile replies as malformed instead of allocating or trapping', () => {
    const cases: [string, string][] = [
      ['$-2\r\n', 'bad bulk length'],
      ['$99999999999\r\n', 'bad bulk length'],
      ['$9999999\r\n', 'bulk reply of 9999999 bytes is over the 262144-byte cap'],
      ['$1x\r\n', 'bad bulk length'],
      ['$3\r\nabcXY', 'bulk reply not terminated by CRLF'],
      ['HTTP/1.1 400 Bad Request\r\n', 'not a RESP reply'],
      ['SSH-2.0-OpenSSH', 'not a RESP reply'],
      [`+${'A'.repeat(5000)}`, 'reply line longer than 4096 bytes'],
    ];
    for (const [reply, why] of cases) {
      const r = parse(Buffer.from(reply, 'latin1'));
      expect({ reply: reply.slice(0, 20), ...(r.data as object) }).toMatchObject({ reply: reply.slice(0, 20), state: 2, text: why });
    }
  });

  it('keeps text around bytes that are not UTF-8 (each becomes U+FFFD)', () => {
    const body = Buffer.concat([Buffer.from('# Server\r\nos:Lin'), Buffer.from([0xff, 0xc3]), Buffer.from('ux\r\nrole:master\r\n')]);
    const d = parse(bulk(body)).data;
    expect(d).toEqual(expect.objectContaining({ state: 1, info: { os: 'Lin\ufffd\ufffdux', role: 'master' } }));
  });

  it('reads simple strings, errors and the nil bulk as whole replies', () => {
    expect(parse(Buffer.from('+PONG\r\n')).data).toMatchObject({ state: 1, text: 'PONG', nil: false });
    expect(parse(Buffer.from('-NOAUTH Authentication required.\r\n')).data).toMatchObject({ state: 1, text: 'NOAUTH Authentication required.' });
    expect(parse(Buffer.from('$-1\r\n')).data).toMatchObject({ state: 1, nil: true });
  });

  it('never completes a cut reply: every proper prefix needs more, and only whole lines are kept', () => {
    const body = Buffer.from('# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n\r\n# Keyspace\r\ndb0:keys=3,expires=0,avg_ttl=0\r\n');
    const reply = bulk(body);
    const d = parse(reply).data;
    expect(d.info).toEqual({ redis_version: '7.0.15', redis_mode: 'standalone', db0: 'keys=3,expires=0,avg_ttl=0' });
    expect(d.prefix_need_more).toBe(reply.length);
    expect(d.prefix_malformed + d.prefix_complete).toBe(0);
    expect(d.prefix_max_keys).toBe(3);
  });
});

// The memcached stats parser (assembly/stats.ts) called in-process through
// @assemblyscript/loader (test/support/as-unit.ts): hostile, foreign and cut
// replies, no daemon and no runtime. memcached.test.ts runs the same unit on
// the replies of a real memcached.
//   npx vitest run plugins-wasm/memcached/test/unit-stats.test.ts
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useUnit, type Ptr } from '../../../test/support/as-unit.js';

const unit = useUnit<{ parse(b: Ptr): Ptr }>(join(fileURLToPath(new URL('.', import.meta.url)), 'unit'));
const parse = (reply: Uint8Array): { data: unknown } => ({ data: unit.getMsgpack(unit.fn.parse(unit.bytes(reply))) });

describe('the memcached stats parser', () => {
  it('refuses hostile and foreign replies as malformed, and reads error lines as refusals', async () => {
    const cases: [string, number, string][] = [
      ['STAT pid\r\n', 2, 'STAT line without a name and a value'],
      ['STAT  1\r\n', 2, 'STAT line without a name and a value'],
      [`STAT pid ${'9'.repeat(2000)}\r\n`, 2, 'reply line longer than 1024 bytes'],
      ['HTTP/1.1 400 Bad Request\r\n', 2, 'not a stats reply'],
      ['SSH-2.0-OpenSSH', 2, 'not a stats reply'],
      ['STAT pid 1\r\nSERVER_ERROR out of memory\r\n', 2, 'SERVER_ERROR out of memory'],
      ['ERROR\r\n', 3, 'ERROR'],
    ];
    for (const [reply, state, text] of cases) {
      const d = (await parse(Buffer.from(reply, 'latin1'))).data as object;
      expect({ reply: reply.slice(0, 20), ...d }).toMatchObject({ reply: reply.slice(0, 20), state, text });
    }
  });

  it('never completes a cut reply: every proper prefix needs more and knows only the lines so far', () => {
    const reply = Buffer.from('STAT pid 4242\r\nSTAT uptime 17\r\nSTAT version 1.6.21\r\nSTAT curr_connections 2\r\nEND\r\n');
    const d = parse(reply).data as { state: number; stats: Record<string, string> } & Record<string, number>;
    expect(d.state).toBe(1);
    expect(d.stats).toEqual({ pid: '4242', uptime: '17', version: '1.6.21', curr_connections: '2' });
    expect(d).toMatchObject({ prefix_need_more: reply.length, prefix_malformed: 0, prefix_complete: 0, prefix_other: 0, prefix_bad_keys: 0 });
  });
});

// x11: Xvfb with access control off (-ac) on display :port-6000, as the rules
// fix it (:21101, tcp 27101). Xvfb cannot bind TCP to loopback alone, so it
// listens on its unix socket and socat carries 127.0.0.1:port to it; the X
// protocol on the wire is the same.
import { chownTo, exchange } from '../services.mjs';
import { withXvfb, xSocket } from './xvfb.mjs';

/** X11 connection setup, little-endian, protocol 11.0, no authorization. */
const SETUP = Buffer.from([0x6c, 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

/** @type {import('../services.mjs').ServiceDef} */
export const x11 = {
  packages: ['xvfb', 'socat'],
  async prepare(ctx) {
    chownTo(ctx.dir, 'nobody'); // Xvfb (as nobody when root) writes its ready file here
    const display = ctx.port - 6000;
    return withXvfb(ctx, display, ['-ac'], '/usr/bin/socat', [
      `TCP-LISTEN:${ctx.port},bind=${ctx.host},reuseaddr,fork,backlog=128`, `UNIX-CONNECT:${xSocket(display)}`,
    ]);
  },
  async probe(ctx) {
    // reply header: success byte, then major/minor at 2..5 and length in 4-byte units at 6
    const res = await exchange(ctx, { send: SETUP, done: (b) => b.length >= 8 && b.length >= 8 + 4 * b.readUInt16LE(6) });
    if (res[0] !== 1) throw new Error(`X11 setup refused (status ${res[0]})`);
    const vendorLen = res.readUInt16LE(24);
    return { display: ctx.port - 6000, open: true, vendor: res.subarray(40, 40 + vendorLen).toString('latin1') };
  },
};

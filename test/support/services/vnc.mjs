// vnc: x11vnc without a password over its own Xvfb (display :port-6000, no
// TCP of its own), RFB on the service's loopback port only.
import { chownTo, exchange } from '../services.mjs';
import { withXvfb } from './xvfb.mjs';

/** @type {import('../services.mjs').ServiceDef} */
export const vnc = {
  packages: ['x11vnc', 'xvfb'],
  async prepare(ctx) {
    chownTo(ctx.dir, 'nobody'); // Xvfb (as nobody when root) writes its ready file here
    const display = ctx.port - 6000;
    return withXvfb(ctx, display, [], '/usr/bin/x11vnc', [
      '-display', `:${display}`, '-rfbport', String(ctx.port), '-listen', ctx.host, '-noipv6', '-rfbportv6', '-1', // -noipv6 alone still listens on [::]:5900
      '-nopw', '-forever', '-shared', '-norc', '-desktop', 'wasmap-vnc', '-quiet',
    ]);
  },
  async probe(ctx) {
    const greeting = (await exchange(ctx, { done: (b) => b.length >= 12 })).toString('latin1');
    if (!/^RFB \d{3}\.\d{3}\n$/.test(greeting)) throw new Error(`no RFB greeting, got ${JSON.stringify(greeting)}`);
    return { rfb: greeting.trim(), desktop: 'wasmap-vnc', display: ctx.port - 6000 };
  },
};

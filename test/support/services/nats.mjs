// nats-server: one loopback client port, no monitoring or cluster ports.
import { asUser, exchange } from '../services.mjs';

/** @type {import('../services.mjs').ServiceDef} */
export const nats = {
  packages: ['nats-server'],
  async prepare(ctx) {
    return asUser('nats', '/usr/sbin/nats-server', ['-a', ctx.host, '-p', String(ctx.port), '-n', 'wasmap-nats']);
  },
  async probe(ctx) {
    // the server speaks first: INFO {json}
    const line = (await exchange(ctx, { done: (b) => b.includes('\r\n') })).toString('latin1');
    const m = /^INFO (\{.*\}) ?\r\n/.exec(line);
    if (!m) throw new Error(`no NATS INFO, got ${JSON.stringify(line.slice(0, 60))}`);
    return { info: JSON.parse(m[1]) };
  },
};

// influxdb 1.x: the HTTP API on the service's port, its RPC (backup) port on
// the next one, both loopback; usage reporting off, so it never calls home.
import path from 'node:path';
import { asUser, chownTo, writeFile } from '../services.mjs';
import { httpGet } from './http-get.mjs';

/** @type {import('../services.mjs').ServiceDef} */
export const influxdb = {
  packages: ['influxdb'],
  async prepare(ctx) {
    const conf = path.join(ctx.dir, 'influxdb.conf');
    writeFile(conf, [
      'reporting-disabled = true',
      `bind-address = "${ctx.host}:${ctx.port + 1}"`,
      '[meta]',
      `  dir = "${path.join(ctx.dir, 'meta')}"`,
      '[data]',
      `  dir = "${path.join(ctx.dir, 'data')}"`,
      `  wal-dir = "${path.join(ctx.dir, 'wal')}"`,
      '  query-log-enabled = false',
      '[monitor]',
      '  store-enabled = false',
      '[http]',
      `  bind-address = "${ctx.host}:${ctx.port}"`,
      '  log-enabled = false',
      '[continuous_queries]',
      '  enabled = false',
      '[subscriber]',
      '  enabled = false',
      '',
    ].join('\n'));
    chownTo(ctx.dir, 'influxdb');
    return asUser('influxdb', '/usr/bin/influxd', ['-config', conf]);
  },
  async probe(ctx) {
    const res = await httpGet(ctx, '/ping');
    if (res.status !== 204) throw new Error(`influxdb /ping answered ${res.status}`);
    return { version: res.headers['x-influxdb-version'], ports: { rpc: ctx.port + 1 } };
  },
};

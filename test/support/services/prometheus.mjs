// prometheus: its web/API port on loopback, TSDB under the run dir, no scrape
// targets (it never connects anywhere).
import path from 'node:path';
import { asUser, chownTo, writeFile } from '../services.mjs';
import { httpGet } from './http-get.mjs';

/** @type {import('../services.mjs').ServiceDef} */
export const prometheus = {
  packages: ['prometheus'],
  async prepare(ctx) {
    const conf = path.join(ctx.dir, 'prometheus.yml');
    writeFile(conf, 'global:\n  scrape_interval: 1h\nscrape_configs: []\n');
    chownTo(ctx.dir, 'prometheus');
    return asUser('prometheus', '/usr/bin/prometheus', [
      `--config.file=${conf}`, `--web.listen-address=${ctx.host}:${ctx.port}`,
      `--storage.tsdb.path=${path.join(ctx.dir, 'data')}`, '--log.level=warn',
    ]);
  },
  async probe(ctx) {
    const res = await httpGet(ctx, '/api/v1/status/buildinfo');
    if (res.status !== 200) throw new Error(`prometheus buildinfo answered ${res.status}`);
    return { build: JSON.parse(res.body).data };
  },
};

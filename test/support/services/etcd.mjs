// etcd: a one-member cluster, clients on the service's port, its peer URL on
// the next loopback port (both shift with portOffset).
import path from 'node:path';
import { asUser, chownTo } from '../services.mjs';
import { httpGet } from './http-get.mjs';

/** @type {import('../services.mjs').ServiceDef} */
export const etcd = {
  packages: ['etcd-server'],
  async prepare(ctx) {
    const client = `http://${ctx.host}:${ctx.port}`;
    const peer = `http://${ctx.host}:${ctx.port + 1}`;
    chownTo(ctx.dir, 'etcd');
    return asUser('etcd', '/usr/bin/etcd', [
      '--name', 'wasmap', '--data-dir', path.join(ctx.dir, 'data'),
      '--listen-client-urls', client, '--advertise-client-urls', client,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
      '--initial-cluster', `wasmap=${peer}`, '--initial-cluster-state', 'new',
      '--log-level', 'warn',
    ]);
  },
  async probe(ctx) {
    const res = await httpGet(ctx, '/version');
    if (res.status !== 200) throw new Error(`etcd /version answered ${res.status}`);
    return { version: JSON.parse(res.body), ports: { peer: ctx.port + 1 } };
  },
};

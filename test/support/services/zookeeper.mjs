// zookeeper: a standalone server (java) on one loopback client port; the
// admin HTTP server (8080 by default) off, the four-letter words on so that
// `srvr` tells the version as it does in the field.
import path from 'node:path';
import { asUser, chownTo, exchange, writeFile } from '../services.mjs';

/** @type {import('../services.mjs').ServiceDef} */
export const zookeeper = {
  packages: ['zookeeper', 'default-jre-headless'],
  async prepare(ctx) {
    const conf = path.join(ctx.dir, 'zoo.cfg');
    writeFile(conf, [
      'tickTime=2000',
      `dataDir=${path.join(ctx.dir, 'data')}`,
      `clientPort=${ctx.port}`,
      `clientPortAddress=${ctx.host}`,
      'admin.enableServer=false',
      '4lw.commands.whitelist=srvr,stat,ruok,conf,envi',
      '',
    ].join('\n'));
    chownTo(ctx.dir, 'zookeeper');
    return asUser('zookeeper', '/usr/bin/java', [
      '-Xmx64m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1',
      '-Djava.net.preferIPv4Stack=true', // else the socket is [::ffff:127.0.0.1] in tcp6
      `-Dzookeeper.log.dir=${ctx.dir}`, '-Dzookeeper.root.logger=WARN,CONSOLE',
      '-cp', '/etc/zookeeper/conf:/usr/share/java/zookeeper.jar',
      'org.apache.zookeeper.server.ZooKeeperServerMain', conf,
    ]);
  },
  async probe(ctx) {
    // srvr: "Zookeeper version: 3.8.0-..., built on ..." then stats; the server closes
    const res = (await exchange(ctx, { send: 'srvr', done: (b) => b.includes('Node count') })).toString('latin1');
    const version = /^Zookeeper version: ([^,\n]+)/.exec(res)?.[1];
    if (!version) throw new Error(`no srvr answer: ${JSON.stringify(res.slice(0, 60))}`);
    return { version };
  },
};

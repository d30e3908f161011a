// sip: kamailio on TCP only, loopback; it answers OPTIONS with 200 (its
// Server header names it, as a field proxy's does) and refuses anything else.
import fs from 'node:fs';
import path from 'node:path';
import { exchange, writeFile } from '../services.mjs';

/** Where Debian puts the modules (multiarch path). */
function modulesDir() {
  const dir = fs.readdirSync('/usr/lib').map((d) => path.join('/usr/lib', d, 'kamailio', 'modules')).find((d) => fs.existsSync(path.join(d, 'sl.so')));
  if (!dir) throw new Error('no kamailio modules under /usr/lib/*/kamailio/modules');
  return dir;
}

/** @param {import('../services.mjs').ServiceContext} ctx */
const options = (ctx) => [
  `OPTIONS sip:wasmap@${ctx.host}:${ctx.port} SIP/2.0`,
  `Via: SIP/2.0/TCP ${ctx.host}:9;branch=z9hG4bK-wasmap-${process.pid}`,
  'Max-Forwards: 70',
  `To: <sip:wasmap@${ctx.host}>`,
  `From: <sip:probe@${ctx.host}>;tag=wasmap`,
  `Call-ID: wasmap-${process.pid}-${Date.now()}@${ctx.host}`,
  'CSeq: 1 OPTIONS',
  'Content-Length: 0',
  '', '',
].join('\r\n');

/** @type {import('../services.mjs').ServiceDef} */
export const kamailio = {
  packages: ['kamailio'],
  async prepare(ctx) {
    const conf = path.join(ctx.dir, 'kamailio.cfg');
    writeFile(conf, [
      '#!KAMAILIO',
      'debug=1',
      'log_stderror=yes',
      'children=1',
      'tcp_children=1',
      'disable_tcp=no',
      `listen=tcp:${ctx.host}:${ctx.port}`,
      'auto_aliases=no',
      'dns=no',
      'rev_dns=no',
      `mpath="${modulesDir()}"`,
      'loadmodule "sl.so"',
      'loadmodule "pv.so"',
      'request_route {',
      '  if (method == "OPTIONS") { sl_send_reply("200", "OK"); exit; }',
      '  sl_send_reply("403", "Forbidden");',
      '}',
      '',
    ].join('\n'));
    const user = ctx.root ? ['-u', 'kamailio', '-g', 'kamailio'] : [];
    // -DD: the main process stays in the foreground (its workers are its children)
    return { cmd: '/usr/sbin/kamailio', args: ['-DD', '-E', '-f', conf, '-Y', ctx.dir, '-m', '32', '-M', '8', ...user] };
  },
  async probe(ctx) {
    const res = (await exchange(ctx, { send: options(ctx), done: (b) => b.includes('\r\n\r\n') })).toString('latin1');
    if (!res.startsWith('SIP/2.0 200')) throw new Error(`no SIP 200, got ${JSON.stringify(res.slice(0, 60))}`);
    return { server: /^Server: (.*)$/m.exec(res)?.[1]?.trim() };
  },
};

// cups: cupsd in the foreground with its own ServerRoot under the run dir,
// IPP (and the web interface) on one loopback port, no browsing, no printers.
import fs from 'node:fs';
import path from 'node:path';
import { writeFile } from '../services.mjs';
import { httpGet } from './http-get.mjs';

/** @type {import('../services.mjs').ServiceDef} */
export const cups = {
  packages: ['cups-daemon'],
  async prepare(ctx) {
    const dir = (/** @type {string} */ d) => path.join(ctx.dir, d);
    for (const d of ['spool', 'tmp', 'cache', 'state']) fs.mkdirSync(dir(d), { recursive: true });
    // cupsd refuses a config or ServerRoot writable by others, and drops to lp only as root
    writeFile(dir('cupsd.conf'), [
      `Listen ${ctx.host}:${ctx.port}`,
      'Browsing No',
      'BrowseLocalProtocols none',
      'DefaultAuthType Basic',
      'WebInterface Yes',
      'LogLevel warn',
      '<Location />',
      '  Order allow,deny',
      '  Allow from 127.0.0.1',
      '</Location>',
      '',
    ].join('\n'), 0o640);
    writeFile(dir('cups-files.conf'), [
      `ServerRoot ${ctx.dir}`,
      `RequestRoot ${dir('spool')}`,
      `TempDir ${dir('tmp')}`,
      `CacheDir ${dir('cache')}`,
      `StateDir ${dir('state')}`,
      `ErrorLog ${dir('error_log')}`,
      `AccessLog ${dir('access_log')}`,
      `PageLog ${dir('page_log')}`,
      'LogFileGroup root',
      ...(ctx.root ? ['User lp', 'Group lp', 'SystemGroup root'] : []),
      '',
    ].join('\n'), 0o640);
    return { cmd: '/usr/sbin/cupsd', args: ['-f', '-c', dir('cupsd.conf'), '-s', dir('cups-files.conf')] };
  },
  async probe(ctx) {
    const res = await httpGet(ctx, '/');
    if (!/^CUPS\//.test(String(res.headers.server ?? ''))) throw new Error(`not CUPS: status ${res.status}, Server ${res.headers.server}`);
    return { url: `http://${ctx.host}:${ctx.port}/`, server: res.headers.server };
  },
  logFiles: (ctx) => [path.join(ctx.dir, 'error_log')],
};

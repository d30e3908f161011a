// A one-shot HTTP GET for the readiness probes of HTTP daemons (etcd,
// prometheus, influxdb, cups): status, headers and body.
import http from 'node:http';

/**
 * @param {{host: string, port: number}} ctx
 * @param {string} urlPath
 * @returns {Promise<{status: number, headers: import('node:http').IncomingHttpHeaders, body: string}>}
 */
export function httpGet(ctx, urlPath) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: ctx.host, port: ctx.port, path: urlPath, agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no HTTP answer from ${ctx.host}:${ctx.port}${urlPath}`)));
    req.on('error', reject);
  });
}

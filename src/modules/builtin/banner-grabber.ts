/**
 * `banner_grabber`: reads a banner from each open TCP port as soon as the
 * scanner reports it (listen first, then one generic probe).
 */
import type { ModuleDescriptor } from '../../engine/module.js';
import { configured } from './configured.js';
import { grabBanner, DEFAULT_BANNER_OPTIONS, type BannerOptions } from '../../net/banner.js';
import { bannerEvent } from '../../model/event.js';
import type { OpenPort } from '../../model/key-contracts.js';

export const bannerGrabber: ModuleDescriptor = {
  name: 'banner_grabber',
  description: 'Grabs a banner from each open TCP port: listens first, then sends one generic probe',
  version: '1.0.0',
  kind: 'scanner',
  origin: 'builtin',
  config: {
    timeout_ms: { type: 'int', default: 2000, min: 1, max: 600000, description: 'wait for a banner, and again after the probe' },
    connect_timeout_ms: { type: 'int', default: 3000, min: 1, max: 600000, description: 'connect timeout' },
    max_bytes: { type: 'int', default: 4096, min: 1, max: 1048576, description: 'bytes kept at most' },
    concurrency: { type: 'int', default: 256, min: 1, max: 10000, description: 'banners read at once' },
    probe: { type: 'string', description: 'probe sent when the service stays silent (default: an HTTP/1.0 GET)' },
  },
  requires: ['open_ports'],
  provides: ['banners'],
  create: configured(async (io, cfg) => {
    const opts: BannerOptions = {
      ...DEFAULT_BANNER_OPTIONS,
      readTimeoutMs: cfg.timeout_ms as number,
      connectTimeoutMs: cfg.connect_timeout_ms as number,
      maxBytes: cfg.max_bytes as number,
      ...(typeof cfg.probe === 'string' ? { probe: new TextEncoder().encode((cfg.probe as string).replace(/\\r/g, '\r').replace(/\\n/g, '\n')) } : {}),
    };
    const max = cfg.concurrency as number;
    const running = new Set<Promise<void>>();
    try {
      for await (const port of io.read<OpenPort>('open_ports')) {
        if (port.transport !== 'tcp') continue;
        const p = grabBanner(port, opts, io.signal).then((b) => {
          // A banner cut short by a stop is still a finding: keep it.
          if (!b) return;
          io.write('banners', b);
          io.event(bannerEvent(b));
          io.count('banners');
        });
        const tracked = p.finally(() => running.delete(tracked));
        running.add(tracked);
        if (running.size >= max) await Promise.race(running);
      }
    } finally {
      // On a stop the grabs end at once with what they read; wait so nothing is written late.
      await Promise.all(running);
    }
  }),
};

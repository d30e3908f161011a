/**
 * Screenshots in results: the convention of the vnc, x11 and web plugins (and
 * any plugin that follows it) is `data.screenshot` (image bytes; base64 once
 * read back from JSONL) with `data.screenshot_format` "png" (or "jpeg", which
 * the web plugin falls back to for a big page). This file only reads events
 * and names files; writing them is the CLI's (src/cli/screenshot-dir.ts).
 */
import type { ScanEvent } from '../model/event.js';

export interface Screenshot {
  bytes: Uint8Array;
  /** the file extension, from the format the bytes really have */
  ext: 'png' | 'jpg';
}

/** Each format a screenshot may have, the magic its bytes must start with, and its extension. */
const FORMATS: { format: string; magic: number[]; ext: Screenshot['ext'] }[] = [
  { format: 'png', magic: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], ext: 'png' },
  { format: 'jpeg', magic: [0xff, 0xd8, 0xff], ext: 'jpg' },
];

/** The image a result carries, if its bytes start as its `screenshot_format` says; a plugin's other bytes are never written as an image. */
export function screenshotOf(ev: ScanEvent): Screenshot | undefined {
  const d = ev.result.data as { screenshot?: unknown; screenshot_format?: unknown } | undefined;
  const f = FORMATS.find((x) => x.format === d?.screenshot_format);
  if (!d || !f) return undefined;
  const raw = d.screenshot;
  const bytes = raw instanceof Uint8Array ? raw : typeof raw === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(raw) ? Buffer.from(raw, 'base64') : undefined;
  if (!bytes || bytes.length <= f.magic.length || !f.magic.every((b, i) => bytes[i] === b)) return undefined;
  return { bytes, ext: f.ext };
}

/**
 * `IP_PORT_module.png` (`.jpg` for a JPEG). An IPv6 address is written as
 * Microsoft's ipv6-literal.net names it (`:` → `-`, a zone's `%` → `s`):
 * `--1_5900_vnc.png` for ::1, no character a shell or another OS would trip
 * on. The module name comes from a manifest (`[a-z0-9-]`), still cut to
 * those characters here.
 */
export function screenshotFileName(ev: ScanEvent, ext: Screenshot['ext'] = 'png'): string {
  const ip = ev.target.ip.replace(/:/g, '-').replace(/%/g, 's').replace(/[^A-Za-z0-9.-]/g, '-');
  const module = ev.origin.type.replace(/[^A-Za-z0-9-]/g, '-');
  return `${ip}_${ev.target.port}_${module}.${ext}`;
}

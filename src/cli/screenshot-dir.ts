/**
 * `--screenshots DIR` (scan and report): every result that carries a PNG
 * (or a JPEG; src/report/screenshot.ts) is written to DIR/IP_PORT_module.png
 * (.jpg) as it arrives, synchronously, so an interrupted scan keeps every
 * file written so far whole. DIR is checked with the other flags, before anything is sent,
 * and created (one level, as -o creates its file) only once the scan runs.
 */
import { accessSync, constants, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { ScanEvent } from '../model/event.js';
import { screenshotFileName, screenshotOf } from '../report/screenshot.js';
import type { EventWriter } from '../report/writer.js';

const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** Refuses a DIR that is a file, cannot be written, or cannot be created (its parent missing or read-only). */
export function checkScreenshotDir(dir: string): void {
  if (dir === '') throw new UsageError('--screenshots needs a directory');
  const refuse = (why: string): never => {
    throw new UsageError(`--screenshots: cannot write to '${dir}': ${why}`);
  };
  let isDir: boolean | undefined;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (e) {
    if (code(e) !== 'ENOENT') refuse(code(e));
  }
  if (isDir === false) refuse('not a directory');
  // a missing DIR is created, so its parent must be a directory we may write in
  const target = isDir ? dir : dirname(resolve(dir));
  if (!isDir) {
    try {
      if (!statSync(target).isDirectory()) refuse(`'${target}' is not a directory`);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      refuse(code(e) === 'ENOENT' ? `no such directory '${target}' to create it in` : code(e));
    }
  }
  try {
    accessSync(target, constants.W_OK | constants.X_OK);
  } catch (e) {
    refuse(isDir ? `${code(e)} (not writable)` : `cannot create it in '${target}': ${code(e)}`);
  }
}

export interface ScreenshotDir extends EventWriter {
  /** Where this event's screenshot went, once written. */
  fileOf(ev: ScanEvent): string | undefined;
}

/** Creates DIR if needed and returns the writer; `note` (which escapes for the terminal) gets warnings and the closing count. */
export function openScreenshotDir(dir: string, note: (line: string) => void, quiet = false): ScreenshotDir {
  checkScreenshotDir(dir);
  try {
    mkdirSync(dir);
  } catch (e) {
    if (code(e) !== 'EEXIST') throw new UsageError(`--screenshots: cannot create '${dir}': ${code(e)}`);
  }
  const files = new WeakMap<ScanEvent, string>();
  const taken = new Set<string>();
  let written = 0;
  return {
    write(ev) {
      const shot = screenshotOf(ev);
      if (!shot) return;
      // a second screenshot of the same port and plugin (another hostname, a second result) gets -2, -3…
      const base = screenshotFileName(ev, shot.ext);
      let name = base;
      for (let n = 2; taken.has(name); n++) name = base.replace(/\.(png|jpg)$/, `-${n}.$1`);
      taken.add(name);
      const file = join(dir, name);
      try {
        writeFileSync(file, shot.bytes);
      } catch (e) {
        note(`warning: cannot write screenshot '${file}': ${code(e)}`);
        return;
      }
      files.set(ev, file);
      written++;
    },
    close() {
      if (written > 0 && !quiet) note(`${written} screenshot${written === 1 ? '' : 's'} written to ${dir}`);
      return Promise.resolve();
    },
    fileOf: (ev) => files.get(ev),
  };
}

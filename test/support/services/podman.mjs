// docker: Podman's Docker-compatible Engine API (`podman system service`)
// over plain HTTP, without authentication, as an exposed dockerd on 2375
// would be. Everything podman keeps (storage, run state, libpod tmp,
// networks, volumes, events) lives under the service's dir, never in
// /var/lib/containers or /run; the storage driver is vfs, which works on
// any filesystem. One container is created (never started) from a rootfs
// directory, so the API has something to list without any image pull.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { run, writeFile } from '../services.mjs';
import { httpGet } from './http-get.mjs';

/** The container the service lists; its rootfs is one file, it is never started. */
export const PODMAN_CONTAINER = 'wasmap-test';

/** podman refuses a runroot longer than this (a checkout's path can be longer) */
const RUNROOT_MAX = 50;

/**
 * podman's run state: under `dir` when its path is short enough, else a short
 * directory in /tmp named by a hash of `dir`, so a restart finds the same one
 * (podman's database records the runroot and refuses another).
 * @param {string} dir
 */
function runrootOf(dir) {
  const inside = path.join(dir, 'run');
  return inside.length <= RUNROOT_MAX ? inside : `/tmp/wasmap-podman-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`;
}

/** The runroot, made private to this user when it is outside `dir`. @param {string} dir */
function privateRunroot(dir) {
  const runroot = runrootOf(dir);
  if (runroot.startsWith(dir)) return runroot;
  fs.mkdirSync(runroot, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(runroot);
  // a directory someone else made there would hold our run state: refuse it
  if (!st.isDirectory() || st.uid !== process.getuid?.() || (st.mode & 0o077) !== 0) {
    throw new Error(`${runroot} is not a private directory of this user; remove it`);
  }
  return runroot;
}

/** @param {string} dir podman's global flags that keep its state under `dir` */
function podmanGlobals(dir) {
  return [
    '--root', path.join(dir, 'storage'), '--runroot', privateRunroot(dir), '--tmpdir', path.join(dir, 'tmp'),
    '--network-config-dir', path.join(dir, 'networks'), '--volumepath', path.join(dir, 'volumes'),
    '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', '--log-level', 'error',
  ];
}

/** @type {import('../services.mjs').ServiceDef} */
export const podman = {
  packages: ['podman'],
  async prepare(ctx) {
    // podman runs as root here (a rootless one needs subuid ranges set up for the caller)
    const rootfs = path.join(ctx.dir, 'rootfs');
    writeFile(path.join(rootfs, 'hello.txt'), 'wasmap podman test container\n');
    fs.mkdirSync(path.join(ctx.dir, 'networks'), { recursive: true });
    // --replace: a restart gets the same container afresh (a new id)
    await run('/usr/bin/podman', [...podmanGlobals(ctx.dir), 'create', '--replace', '--name', PODMAN_CONTAINER,
      '--network', 'none', '--rootfs', rootfs, '/hello.txt'], { timeoutMs: 60_000 });
    return { cmd: '/usr/bin/podman', args: [...podmanGlobals(ctx.dir), 'system', 'service', '--time=0', `tcp:${ctx.host}:${ctx.port}`] };
  },
  async probe(ctx) {
    const ping = await httpGet(ctx, '/_ping');
    if (ping.status !== 200) throw new Error(`podman /_ping answered ${ping.status}`);
    // /version runs conmon and crun to learn their versions: seconds on a loaded machine
    const res = await fetch(`http://${ctx.host}:${ctx.port}/version`, { signal: AbortSignal.timeout(15_000) });
    const version = /** @type {Record<string, unknown>} */ (await res.json());
    if (res.status !== 200 || typeof version.ApiVersion !== 'string') throw new Error(`podman /version answered ${res.status} without ApiVersion`);
    return { version, container: PODMAN_CONTAINER };
  },
  // the run state outside the service dir goes with the daemon
  afterStop(dir) {
    const runroot = runrootOf(dir);
    if (!runroot.startsWith(dir)) fs.rmSync(runroot, { recursive: true, force: true });
  },
};

// An Xvfb on a unix-socket-only display, started in the same process group
// as the daemon that serves it over TCP (x11vnc, socat), so the service's
// pidfile and stop cover both. Xvfb's own TCP listener cannot be bound to one
// address (-listen tcp means 0.0.0.0 and [::]), so it stays off.
import path from 'node:path';

/** Display :N's unix socket. @param {number} display */
export const xSocket = (display) => `/tmp/.X11-unix/X${display}`;

/**
 * Run `cmd args` once Xvfb on :display is ready (-displayfd writes the
 * number when it is), as nobody when root; when it ends, Xvfb goes too.
 * Xvfb removes a dead one's lock.
 * @param {import('../services.mjs').ServiceContext} ctx
 * @param {number} display
 * @param {string[]} xvfbArgs
 * @param {string} cmd
 * @param {string[]} args
 * @returns {import('../services.mjs').LaunchSpec}
 */
export function withXvfb(ctx, display, xvfbArgs, cmd, args) {
  const ready = path.join(ctx.dir, 'display');
  const script = [
    'ready="$1"; shift',
    // emptied first: a number left by the last start would pass the wait below at once
    ': >"$ready"',
    `/usr/bin/Xvfb :${display} -nolisten tcp -noreset -screen 0 640x480x24 ${xvfbArgs.join(' ')} -displayfd 3 3>"$ready" &`,
    'x=$!',
    'while [ ! -s "$ready" ]; do kill -0 "$x" 2>/dev/null || exit 1; sleep 0.05; done',
    // not exec: a daemon that fails (its port taken) must not leave its Xvfb behind
    '"$@" &',
    'wait "$!"',
    's=$?',
    'kill "$x" 2>/dev/null',
    'exit "$s"',
  ].join('\n');
  const sh = ['/bin/sh', '-c', script, 'sh', ready, cmd, ...args];
  if (!ctx.root) return { cmd: sh[0], args: sh.slice(1) };
  return { cmd: '/usr/bin/setpriv', args: ['--reuid=nobody', '--regid=nogroup', '--clear-groups', ...sh] };
}

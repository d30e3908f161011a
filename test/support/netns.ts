/**
 * A throwaway network namespace with its own loopback and nftables rules, so
 * tests can make ports that drop (filtered) or reject with ICMP (unreachable)
 * without touching the host's firewall. Needs root, `ip` and `nft`.
 */
import { execFileSync, spawn } from 'node:child_process';

let counter = 0;

export interface Netns {
  name: string;
  /** runs a command inside the namespace in the background (e.g. a listener) */
  spawn(cmd: string, args: string[]): import('node:child_process').ChildProcess;
  destroy(): void;
}

export function netnsAvailable(): string | undefined {
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'ip (iproute2) and nft (nftables) are needed';
  }
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  return undefined;
}

/** rules: nft rule bodies for the input chain, e.g. `tcp dport 9 drop`. */
export function createNetns(rules: string[]): Netns {
  const name = `wasmap-t${process.pid}-${counter++}`;
  execFileSync('ip', ['netns', 'add', name]);
  try {
    execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    const script = ['table inet wasmap {', '  chain input {', '    type filter hook input priority 0; policy accept;', ...rules.map((r) => `    ${r}`), '  }', '}'].join('\n');
    execFileSync('ip', ['netns', 'exec', name, 'nft', '-f', '-'], { input: script });
  } catch (e) {
    execFileSync('ip', ['netns', 'del', name]);
    throw e;
  }
  const children: import('node:child_process').ChildProcess[] = [];
  return {
    name,
    spawn(cmd, args) {
      const c = spawn('ip', ['netns', 'exec', name, cmd, ...args], { stdio: 'ignore' });
      children.push(c);
      return c;
    },
    destroy() {
      for (const c of children) c.kill('SIGKILL');
      execFileSync('ip', ['netns', 'del', name]);
    },
  };
}

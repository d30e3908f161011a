/** Runs a compiler as a child process, streaming its stderr to the caller. */
import { spawn } from 'node:child_process';
import { UsageError } from '../errors.js';

export interface ToolRun {
  stdout: string;
  stderr: string;
}

export function runTool(
  cmd: string,
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; onStderr?: (chunk: string) => void; name?: string },
): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      opts.onStderr?.(d);
    });
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(new UsageError(`cannot run '${cmd}': ${e.code === 'ENOENT' ? 'not found' : e.message}`)),
    );
    child.on('close', (code, signal) => {
      if (code === 0) return resolve({ stdout, stderr });
      // The full diagnostics went to onStderr; the error keeps the first one, on one line.
      const where = firstDiagnostic(stderr);
      reject(new UsageError(`${opts.name ?? cmd.split('/').at(-1)} failed (${signal ?? `exit ${code}`})${where ? `: ${where}` : ''}`));
    });
  });
}

/** `error[E0308]: mismatched types at src/lib.rs:3:20` from rustc; the same shape from asc. */
function firstDiagnostic(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim());
  const i = lines.findIndex((l) => /^(error|ERROR)\b/.test(l));
  if (i < 0) return lines.filter(Boolean).at(-1) ?? '';
  const loc = lines.slice(i + 1, i + 8).map((l) => /(?:^-->|\bin) (\S+(?::\d+:\d+|\(\d+,\d+\)))$/.exec(l)?.[1]).find(Boolean);
  return loc ? `${lines[i]} at ${loc}` : lines[i]!;
}

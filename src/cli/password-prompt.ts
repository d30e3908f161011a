/**
 * Reads a password on the terminal without echo (stdin in raw mode), as
 * minisign does. Only the line ending is dropped, as minisign's trim()
 * drops it, so a password typed here opens the same keys as there.
 * Ctrl-C restores the terminal and exits as an interrupted command does (130).
 */
import { UsageError } from '../errors.js';
import { exitCodeForSignal } from './fatal.js';

export function askPassword(prompt: string): Promise<string> {
  const { stdin, stderr } = process;
  if (!stdin.isTTY) return Promise.reject(new UsageError('no terminal to ask a password on'));
  stdin.setRawMode(true); // before the prompt: what is typed after it must never echo
  stderr.write(prompt);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish();
          resolve(typed);
          return;
        }
        if (ch === '\u0003') {
          finish();
          process.exit(exitCodeForSignal('SIGINT')); // nothing is written yet: nothing to undo
          return;
        }
        if (ch === '\u0004') {
          finish();
          reject(new UsageError('no password given (end of input)'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else typed += ch;
      }
    };
    stdin.on('data', onData);
  });
}

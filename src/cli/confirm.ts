/** Asking the user on a terminal: undefined when stdin or stderr is not one (scripts need --yes). */
import { createInterface } from 'node:readline/promises';
import { forTerminal } from '../report/terminal-text.js';

export function terminalConfirm(question: string): ((lines: string[]) => Promise<boolean>) | undefined {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return async (lines) => {
    // every line quotes the plugin's own manifest: escaped for the terminal
    process.stderr.write(`${lines.map(forTerminal).join('\n')}\n`);
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
    } finally {
      rl.close();
    }
  };
}

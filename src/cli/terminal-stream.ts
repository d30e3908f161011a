/**
 * A machine format (JSONL, JSON, CSV) that a user sends to a terminal is
 * read there by a person: the terminal gets it through an escaping function
 * (report/terminal-text.ts), while files and pipes keep the exact bytes.
 */
import { Writable } from 'node:stream';

export function escapedTerminal(out: NodeJS.WritableStream, escape: (text: string) => string): Writable {
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      out.write(escape(typeof chunk === 'string' ? chunk : chunk.toString('utf8')), (err) => done(err ?? undefined));
    },
    // ending this stream only flushes the terminal: it is never closed
    final(done) {
      out.write('', () => done());
    },
  });
}

/**
 * What `-o FILE` means: the format `-f` names, else the one its extension
 * names. An extension wasmap does not write (`.xml`, `.html`) is refused
 * rather than filled with JSONL; a name without one (`results`) is JSONL.
 * Checked with the other flags, before any file is opened.
 */
import { extname } from 'node:path';
import { UsageError } from '../errors.js';
import { formatFromPath, type OutputFormat } from '../report/writer.js';

const WRITTEN = '.jsonl (or .ndjson), .json, .csv and .txt (a table)';
/** nmap's own output files, to say where the user's habit comes from */
const NMAP_EXTENSIONS = new Set(['.xml', '.nmap', '.gnmap']);

export function outputFileFormat(path: string, chosen: OutputFormat | undefined): OutputFormat {
  if (chosen) return chosen;
  const byExtension = formatFromPath(path);
  if (byExtension) return byExtension;
  const ext = extname(path);
  // only what reads as a file type: `scan.2024` or `out.1` is just a name
  if (!/^\.[A-Za-z][A-Za-z0-9]*$/.test(ext)) return 'jsonl';
  const nmap = NMAP_EXTENSIONS.has(ext.toLowerCase()) ? " (nmap's output formats are not supported yet)" : '';
  throw new UsageError(`cannot write '${path}': wasmap does not write ${ext} files${nmap}; it writes ${WRITTEN}, or any file name with -f FORMAT`);
}

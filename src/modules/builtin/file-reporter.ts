/**
 * `file_reporter`: writes every event of the run to a file in one of the
 * output formats, as a node of a DAG (the CLI's -o does the same without one).
 */
import { createWriteStream } from 'node:fs';
import type { ModuleDescriptor } from '../../engine/module.js';
import { configured } from './configured.js';
import { createWriter, OUTPUT_FORMATS, formatFromPath, type OutputFormat } from '../../report/writer.js';
import type { ScanEvent } from '../../model/event.js';

export const fileReporter: ModuleDescriptor = {
  name: 'file_reporter',
  description: 'Writes all events to a file (jsonl, json, csv or table)',
  version: '1.0.0',
  kind: 'reporter',
  origin: 'builtin',
  config: {
    path: { type: 'string', required: true, description: 'output file' },
    format: { type: 'string', enum: [...OUTPUT_FORMATS], description: 'default: from the file extension, else jsonl' },
  },
  requires: ['events'],
  provides: [],
  create: configured(async (io, cfg) => {
    const path = cfg.path as string;
    const format = (cfg.format as OutputFormat | undefined) ?? formatFromPath(path) ?? 'jsonl';
    const out = createWriteStream(path);
    await new Promise<void>((resolve, reject) => {
      out.once('open', () => resolve());
      out.once('error', reject);
    });
    const writer = createWriter(format, out, { columns: 120 });
    let n = 0;
    try {
      for await (const ev of io.read<ScanEvent>('events')) {
        writer.write(ev);
        n++;
      }
    } finally {
      await writer.close();
      io.count('written', n);
    }
  }),
};

/**
 * The HTML report as an EventWriter: events are kept until close, which
 * writes the whole page at once — so a scan stopped by Ctrl-C still leaves
 * a complete page, its header saying it was interrupted.
 */
import type { ScanEvent } from '../../model/event.js';
import type { ScanSummary } from '../summary.js';
import type { EventWriter } from '../writer.js';
import { buildModel, type HtmlReportMeta } from './model.js';
import { renderPage } from './page.js';

export type { HtmlReportMeta } from './model.js';

export function htmlWriter(put: (s: string) => void, end: () => Promise<void>, meta?: HtmlReportMeta): EventWriter {
  const events: ScanEvent[] = [];
  return {
    write: (ev) => void events.push(ev),
    close(summary?: ScanSummary) {
      put(renderPage(buildModel(events, summary, meta)));
      return end();
    },
  };
}

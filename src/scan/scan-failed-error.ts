/** A scan whose nodes failed: the library throws it after the events it found (the CLI warns and exits 1). */
import { WasmapError, type ErrorCode } from '../errors.js';
import type { NodeSummary } from '../engine/summary.js';

export class ScanFailedError extends WasmapError {
  readonly failed: readonly NodeSummary[];
  constructor(failed: readonly NodeSummary[]) {
    const first = failed[0]!;
    // the node's own code (WASMAP_RESOLVE, WASMAP_PLUGIN_TRAP, …) when it carried one
    super((first.error_code as ErrorCode | undefined) ?? 'WASMAP_INTERNAL', `${first.id} (${first.module}) failed: ${first.error}`);
    this.name = 'ScanFailedError';
    this.failed = failed;
  }
}

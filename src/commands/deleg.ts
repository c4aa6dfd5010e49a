/**
 * `nfscope deleg` and `nfscope stats`: run the capture through the engine with the
 * correlator on, then print delegation timelines or statistics (text or JSON).
 */
import type { Writable } from 'node:stream';
import { toJsonValue } from '../../dissectors/nfs4/json.js';
import { Correlator, DEFAULT_MAX_RETAINED_DELEGATIONS } from '../correlate/correlator.js';
import { delegationsJsonPieces, delegationsTextPieces, formatStatsText, statsToJson } from '../correlate/format.js';
import { runEngine, type Engine } from '../engine.js';
import { openCapture } from '../sources/index.js';
import { OutputBuffer } from './output-buffer.js';
import { formatTextSummary } from './read.js';

export interface CorrelateCommandOptions {
  json?: boolean;
  /** deleg: finished delegation records kept for the output (the correlator's default when absent). */
  keep?: number;
}

/** `keepRecords` false for statistics: finished delegation records are not printed, so
 *  they need not stay in memory (stats() comes out the same either way). */
async function correlate(path: string, keepRecords: boolean, maxRetainedDelegations = DEFAULT_MAX_RETAINED_DELEGATIONS): Promise<Engine> {
  const source = await openCapture(path);
  return runEngine(source, { correlator: new Correlator({ keepRecords, maxRetainedDelegations }) });
}

export async function runDeleg(path: string, opts: CorrelateCommandOptions, stdout: Writable, stderr: Writable): Promise<number> {
  const kept = opts.keep ?? DEFAULT_MAX_RETAINED_DELEGATIONS;
  const engine = await correlate(path, true, kept);
  const c = engine.correlator!;
  const out = new OutputBuffer(stdout);
  const delegations = c.delegations();
  // A delegation at a time, flushed now and then (honouring the stream's backpressure): the
  // whole text of a big capture is megabytes, held twice (string and bytes) when built at once.
  const pieces = opts.json ? delegationsJsonPieces(delegations) : delegationsTextPieces(delegations, { baseTime: c.captureStart() });
  let n = 0;
  for (const piece of pieces) {
    out.write(piece);
    if ((++n & 63) === 0) {
      await out.flush();
      if (out.closed) break;
    }
  }
  if (opts.json) out.write('\n');
  await out.flush(true);
  if (!opts.json) stderr.write(formatTextSummary({ ...engine.summary(), fileProblems: [] }));
  // Memory stays bounded on any capture, but what was left out is said, never dropped silently.
  const dropped = c.droppedRecords;
  if (dropped > 0) {
    stderr.write(`${dropped} earlier finished delegation(s) not shown: only the last ${kept} to finish are kept ` +
      '(--keep N keeps more; nfscope stats counts every one)\n');
  }
  return 0;
}

export async function runStats(path: string, opts: CorrelateCommandOptions, stdout: Writable, stderr: Writable): Promise<number> {
  const engine = await correlate(path, false);
  const report = engine.correlator!.stats();
  const out = new OutputBuffer(stdout);
  if (opts.json) out.write(JSON.stringify({ ...(statsToJson(report) as object), capture: toJsonValue(engine.summary()) }, null, 1) + '\n');
  else out.write(formatStatsText(report));
  await out.flush(true);
  if (!opts.json) stderr.write(formatTextSummary({ ...engine.summary(), fileProblems: [] }));
  return 0;
}

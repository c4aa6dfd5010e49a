/**
 * `nfscope read`: one line per RPC message (tshark-style summary), or the decoded tree (-V),
 * JSON (--json: one object per message; -T json: the tree), or chosen fields (-T fields -e).
 * Output streams; a call is printed with its reply's frame when the reply comes soon enough.
 */
import type { Writable } from 'node:stream';
import type { CompiledFilter } from '../../dissectors/filter/index.js';
import type { FieldDef } from '../../dissectors/fields/types.js';
import { EngineCore, type AnalyzedMessage, type EngineSummary } from '../engine-core.js';
import { openCapture, openLive } from '../sources/index.js';
import type { CaptureSource, SourceProblem } from '../sources/types.js';
import { OutputBuffer } from './output-buffer.js';
import { ReplyWindow } from './reply-window.js';
import { UsageError } from './errors.js';

/** File problems listed in the summary (all are found; a hostile file could have millions). */
const MAX_PROBLEMS_KEPT = 100;

export type ReadFormat = 'text' | 'json' | 'fields' | 'ndjson';

export interface ReadOptions {
  /** Display filter (-Y). */
  filter?: string;
  /** Decoded tree instead of summary lines (-V). */
  verbose?: boolean;
  format: ReadFormat;
  /** -T fields: the fields to print (-e). */
  fields?: string[];
  /** -q: no per-message output, only the summary. */
  quiet?: boolean;
  /** --no-nfs: RPC layer only (no NFSv4 body decoding). */
  decodeNfs?: boolean;
  /** -c: stop after this many printed messages. */
  count?: number;
  absoluteTime?: boolean;
  /** Live capture: interface name (instead of a file), BPF capture filter, and when to stop. */
  live?: { iface: string; captureFilter: string; durationSec?: number };
}

/** Reads a capture and writes the chosen output; returns the process exit code. */
export async function runRead(path: string | undefined, opts: ReadOptions, stdout: Writable, stderr: Writable): Promise<number> {
  let filter: CompiledFilter | undefined;
  if (opts.filter !== undefined && opts.filter.trim() !== '') {
    // Loaded only when asked for: most runs have no filter, and every run pays for loading.
    const { compileFilter, formatFilterError } = await import('../../dissectors/filter/index.js');
    const f = compileFilter(opts.filter);
    if (!f.ok) throw new UsageError(`invalid display filter: ${formatFilterError(opts.filter, f.error, f.position)}`);
    filter = f.filter;
  }
  // The output modules (trees, JSON, fields) are loaded only when something is printed per
  // message: `-q` without a filter prints nothing but the summary.
  const printsMessages = !(opts.quiet === true && filter === undefined) || opts.format === 'ndjson' || opts.format === 'fields';
  const output = printsMessages ? await import('../output/index.js') : undefined;
  let fields: FieldDef[] = [];
  if (opts.format === 'fields') {
    if (!opts.fields || opts.fields.length === 0) throw new UsageError('-T fields needs at least one -e FIELD');
    const r = output!.resolveFieldList(opts.fields);
    if (!r.ok) throw new UsageError(r.error);
    fields = r.fields;
  }
  const problems: SourceProblem[] = [];
  const onProblem = (p: SourceProblem): void => {
    if (problems.length < MAX_PROBLEMS_KEPT) problems.push(p);
  };
  const stop = new AbortController();
  let source: CaptureSource;
  if (opts.live !== undefined) {
    source = await openLive(opts.live.iface, opts.live.captureFilter, { onProblem, signal: stop.signal });
    process.once('SIGINT', () => stop.abort());
    if (opts.live.durationSec !== undefined) setTimeout(() => stop.abort(), opts.live.durationSec * 1000).unref();
  } else {
    if (path === undefined) throw new UsageError('read needs a capture FILE (or -r FILE, or -i INTERFACE)');
    source = await openCapture(path, { onProblem });
  }
  // The NFSv4 decoders are loaded only when bodies are decoded (not with --no-nfs).
  const decoders = opts.decodeNfs !== false ? await import('../../dissectors/nfs4/compound.js') : undefined;
  const out = new OutputBuffer(stdout);
  const verboseTree = opts.verbose === true || opts.format === 'json';
  let first: { sec: number; nsec: number } | undefined;
  let printed = 0;
  let firstJsonTree = true;
  const limit = opts.count ?? Infinity;
  const summaryOptions = { absoluteTime: opts.absoluteTime };
  const emit = (m: AnalyzedMessage, replyFrame: number | undefined): void => {
    // Without the output modules nothing is printed per message (see printsMessages).
    if (printed >= limit || output === undefined) return;
    const { buildTree, fieldSourceOf, formatTreeText, writeFieldsLine, writeJsonLine, writeSummaryLine, writeTreeJson } = output;
    const src = fieldSourceOf(m, first ?? m.rpc.record, replyFrame);
    if (filter !== undefined && !filter(src)) return;
    printed++;
    if (opts.quiet) return;
    switch (opts.format) {
      case 'ndjson': {
        const w = out.message();
        writeJsonLine(w, src);
        w.byte(0x0a);
        out.endMessage();
        break;
      }
      case 'json': {
        const w = out.message();
        w.ascii(firstJsonTree ? '[\n' : ',\n');
        writeTreeJson(w, src);
        out.endMessage();
        firstJsonTree = false;
        // The tree was the last reader of the message's spans: their memory is reused.
        decoders?.releaseSpans(src.nfs);
        break;
      }
      case 'fields': {
        const w = out.message();
        writeFieldsLine(w, src, fields);
        w.byte(0x0a);
        out.endMessage();
        break;
      }
      default: {
        const w = out.message();
        writeSummaryLine(w, src, summaryOptions);
        w.byte(0x0a);
        out.endMessage();
        if (opts.verbose) out.write(formatTreeText(buildTree(src)) + '\n');
      }
    }
  };
  // -T fields needs a call's reply only for the field that names its frame (a filter might
  // name it too): otherwise a line is printed as its message comes, with no window.
  const needsReplyFrame = opts.format !== 'fields' || filter !== undefined || fields.some((f) => f.name === 'rpc.reqframe');
  // Live output is printed as it comes: a call does not wait for its reply.
  const window = !needsReplyFrame ? undefined : opts.live !== undefined ? new ReplyWindow(emit, 0) : new ReplyWindow(emit);
  // -q with no filter only counts messages: nothing is kept once a message is counted.
  const countsOnly = opts.quiet === true && filter === undefined;
  const engine = new EngineCore(
    {
      trace: verboseTree,
      // trees show so many elements of an array: spans for more would go unread
      elementSpans: output?.TREE_MAX_ELEMENTS,
      onMessage: countsOnly ? () => printed++ : window !== undefined ? (m) => window.push(m) : (m) => emit(m, undefined),
    },
    decoders,
  );
  // Nothing keeps a Frame object past engine.feed(): the source may reuse them. When only
  // counting, nothing keeps a view into the bytes either (the engine's stages copy what they
  // hold: out-of-order segments, IP fragments, partial records), so read buffers are reused.
  // Nor when each line is printed as its message comes (no reply window). Otherwise the
  // reply window holds decoded messages, which point into the read buffers.
  const keepsNoBytes = countsOnly || window === undefined;
  for await (const batch of source.batches({ transient: true, transientBytes: keepsNoBytes })) {
    for (const frame of batch) {
      if (first === undefined) first = { sec: frame.sec, nsec: frame.nsec };
      engine.feed(frame);
    }
    await out.flush(opts.live !== undefined);
    if (out.closed || printed >= limit) break;
  }
  engine.finish();
  window?.flush();
  if (opts.format === 'json' && !opts.quiet) out.write(firstJsonTree ? '[]\n' : '\n]\n');
  const summary = summaryObject(engine.summary(), problems);
  if (opts.format === 'ndjson' && output !== undefined) out.write(output.formatJsonSummary(summary) + '\n');
  await out.flush(true);
  if (opts.format !== 'ndjson') stderr.write(formatTextSummary(summary));
  return 0;
}

export interface ReadSummary extends EngineSummary {
  fileProblems: Array<{ offset: number; reason: string }>;
}

function summaryObject(s: EngineSummary, problems: SourceProblem[]): ReadSummary {
  return { ...s, fileProblems: problems.map((p) => ({ offset: p.offset, reason: p.reason })) };
}

/** The closing report on stderr: what was read, what was not decoded and why. */
export function formatTextSummary(s: ReadSummary): string {
  const lines = [
    `${s.framesRead} frames read (${s.bytesRead} bytes), ${s.framesWithRpc} with RPC; ${s.rpcMessages} RPC messages ` +
      `(${s.calls} calls, ${s.replies} replies)`,
  ];
  const extra: string[] = [];
  if (s.duplicateCalls) extra.push(`${s.duplicateCalls} retransmitted calls`);
  if (s.duplicateReplies) extra.push(`${s.duplicateReplies} duplicate replies`);
  if (s.orphanReplies) extra.push(`${s.orphanReplies} replies without a call`);
  if (s.unansweredCalls) extra.push(`${s.unansweredCalls} calls never answered`);
  if (s.malformedNfs) extra.push(`${s.malformedNfs} NFS messages malformed`);
  if (extra.length > 0) lines.push(extra.join(', '));
  if (s.notDecoded.length > 0) {
    lines.push('frames not decoded:');
    for (const [reason, n] of s.notDecoded) if (n !== 0) lines.push(`  ${String(n).padStart(8)}  ${reason}`);
  }
  if (s.problems.length > 0) {
    lines.push('other problems:');
    for (const [reason, n] of s.problems) lines.push(`  ${String(n).padStart(8)}  ${reason}`);
  }
  for (const p of s.fileProblems) lines.push(`capture file: ${p.reason} (at byte ${p.offset})`);
  return lines.join('\n') + '\n';
}

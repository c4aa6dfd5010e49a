/**
 * The engine itself, without the NFSv4 decoders (src/engine.ts adds them): a command that
 * decodes only the RPC layer does not load the generated dissectors, a sixth of its start-up.
 *
 * The incremental analysis engine: frames in (one at a time, from a file or a live
 * interface), RPC messages with their decoded NFSv4 bodies out, delegation lives kept by
 * the correlator on request. Every stage keeps bounded state; every frame is either
 * dissected into at least one RPC message or counted in `drops` with a reason.
 */
import type { RpcMessage, RpcRecord } from './rpc/types.js';
import type { Frame } from './sources/types.js';
import type { StreamEvent } from './tcp/types.js';
import type { NfsCompound } from '../dissectors/nfs4/types.js';
import type { decodeNfsCall, decodeNfsReply, lastDecodeViewBytes, NfsProgramName } from '../dissectors/nfs4/compound.js';
import { decodeFrame, Ipv4Reassembler } from './net/index.js';
import { newReusableSegmentResult } from './net/decode.js';
import { TcpReassembler } from './tcp/reassembler.js';
import { RecordStreams } from './rpc/records.js';
import { CallbackPrograms, RpcMatcher } from './rpc/matcher.js';
import { PROG_NFS } from './rpc/programs.js';
import type { Correlator } from './correlate/correlator.js';
import { DropCounter } from './stats.js';

/** One analysed RPC message: the transport view plus, for NFSv4, the decoded compound. */
export interface AnalyzedMessage {
  rpc: RpcMessage;
  nfs?: NfsCompound;
  /** Bytes of the record that `nfs` only views (opaque data, see lastDecodeViewBytes): the
   *  rest was decoded into objects, which is what holding the message costs. */
  viewBytes?: number;
  /** Why the body was not decoded (not NFSv4, RPCSEC_GSS privacy, orphan reply, ...). */
  undecoded?: string;
}

/** The NFSv4 body decoders (dissectors/nfs4/compound.js), passed in so that they load only when used. */
export interface NfsDecoders {
  decodeNfsCall: typeof decodeNfsCall;
  decodeNfsReply: typeof decodeNfsReply;
  lastDecodeViewBytes: typeof lastDecodeViewBytes;
}

export interface EngineOptions {
  /** Decode NFSv4 bodies (default true; EngineCore decodes them only when given the decoders). */
  decodeNfs?: boolean;
  /** Record byte spans of every decoded field (for -V and byte highlighting). */
  trace?: boolean;
  /**
   * With trace: elements of one array given spans (default all). A tree that shows at most N
   * elements of an array needs no more (a hostile array has hundreds of thousands).
   */
  elementSpans?: number;
  /**
   * Follow delegation lives: every message is passed to this correlator. The caller makes it
   * (`new Correlator(options)`), so commands that never correlate do not load its module.
   */
  correlator?: Correlator;
  /** Called for every RPC message, in the order records complete. */
  onMessage?: (m: AnalyzedMessage) => void;
}

export interface EngineSummary {
  framesRead: number;
  bytesRead: number;
  framesWithRpc: number;
  rpcMessages: number;
  calls: number;
  replies: number;
  duplicateCalls: number;
  duplicateReplies: number;
  orphanReplies: number;
  unansweredCalls: number;
  malformedNfs: number;
  /** Frames not decoded, by reason (sums with framesWithRpc to framesRead). */
  notDecoded: Array<[string, number]>;
  /** Problems below the frame level (bytes skipped, records lost, calls never answered). */
  problems: Array<[string, number]>;
}

/** Reasons the engine itself assigns to frames (the stages supply the others). */
export const FrameReason = {
  noPayload: 'TCP segment without payload',
  continuation: 'TCP segment of a multi-segment RPC record',
  held: 'out-of-order TCP segment (held)',
  fragment: 'IPv4 fragment (held for reassembly)',
} as const;

/** The first program number of the transient range that NFSv4 clients pick callbacks from. */
const TRANSIENT_FIRST = 0x40000000;
const TRANSIENT_LAST = 0x5fffffff;
/**
 * State bounds, sized so that the whole engine stays well under 100 MB however long the
 * capture: connections tracked at once (open ones and recently closed ones), and calls
 * waiting for a reply. Beyond them the oldest is dropped and counted.
 */
const MAX_CONNECTIONS = 8192;
/**
 * Of those, closed ones kept to recognise their late segments: a capture of many short
 * connections (the benchmark replay) otherwise fills the table with tombstones, a few MB of
 * old-generation objects that every full GC walks.
 */
const MAX_CLOSED_CONNECTIONS = 1024;
const MAX_PENDING_CALLS = 20_000;
/** Frames whose segment was held for reordering, remembered so their count can be corrected. */
const MAX_HELD_FRAMES = 4096;

export class EngineCore {
  readonly drops = new DropCounter();
  /** Problems that are not frames: skipped bytes, lost records, unanswered calls. */
  readonly problems = new DropCounter();
  readonly callbacks = new CallbackPrograms();
  readonly correlator: Correlator | undefined;
  /** Fragments of datagrams that never complete are counted as problems (their frames were
   *  already counted as held for reassembly). */
  private readonly ip = new Ipv4Reassembler({ onDrop: (reason, frames) => this.problems.add(reason, frames) });
  /** Decoded into for every frame: no stage keeps the segment after the frame is fed. */
  private readonly segmentResult = newReusableSegmentResult();
  private readonly tcp: TcpReassembler;
  private readonly streams: RecordStreams;
  private readonly matcher: RpcMatcher;
  private readonly decoders: NfsDecoders | undefined;
  /** Options of traced decodes (undefined: not traced). */
  private readonly traceOptions: { trace: true; elementSpans: number | undefined } | undefined;
  private readonly onMessage: ((m: AnalyzedMessage) => void) | undefined;
  private readonly heldFrames = new Set<number>();
  private framesRead = 0;
  private bytesRead = 0;
  private framesWithRpc = 0;
  private rpcMessages = 0;
  private malformedNfs = 0;
  private lastRpcFrame = 0;
  private lastFrameNo = 0;
  /** What happened to the frame being fed, as the stages report it. */
  private frameNo = 0;
  private frameReason: string | undefined;
  private frameHadRecord = false;
  private finished = false;

  // Bound once: the stages call these for every event, so no closure per frame.
  private readonly onStreamEvent = (e: StreamEvent): void => this.streams.push(e, this.onRecord);
  private readonly onRecord = (r: RpcRecord): void => this.matcher.push(r, this.onRpc);
  private readonly onRpc = (m: RpcMessage): void => this.handleMessage(m);

  /** `decoders`: NFSv4 bodies are decoded when given (and opts.decodeNfs is not false). */
  constructor(opts: EngineOptions = {}, decoders?: NfsDecoders) {
    this.decoders = opts.decodeNfs === false ? undefined : decoders;
    this.traceOptions = opts.trace === true ? { trace: true, elementSpans: opts.elementSpans } : undefined;
    this.onMessage = opts.onMessage;
    this.correlator = opts.correlator;
    this.tcp = new TcpReassembler({
      maxConnections: MAX_CONNECTIONS,
      maxClosedConnections: MAX_CLOSED_CONNECTIONS,
      // The record streams are done with each event when they return.
      reuseDataEvents: true,
      onDrop: (reason, frame) => this.frameProblem(reason, frame),
    });
    this.matcher = new RpcMatcher({
      maxPendingCalls: MAX_PENDING_CALLS,
      onMalformed: (reason, frame) => this.frameProblem(reason, frame),
      onUnanswered: (call) => this.problems.add(`call never answered (${call.reason})`),
    });
    this.streams = new RecordStreams({
      callbackPrograms: this.callbacks,
      isPendingReplyXid: (c, d, x) => this.matcher.isPendingReplyXid(c, d, x),
      onProblem: (reason, frame, bytes) => {
        this.problems.add(reason, 1);
        if (bytes > 0) this.problems.add(`${reason} (bytes)`, bytes);
        this.frameProblem(reason, frame);
      },
    });
  }

  /** Feeds one frame through every stage. Frames must come in capture order. */
  feed(frame: Frame): void {
    this.framesRead++;
    this.bytesRead += frame.caplen ?? frame.data.length;
    this.frameNo = frame.no;
    this.lastFrameNo = frame.no;
    this.frameReason = undefined;
    this.frameHadRecord = false;
    const link = decodeFrame(frame, this.ip, this.segmentResult);
    if (link.ok === false) {
      this.drops.add(link.reason);
      return;
    }
    if (link.ok === 'pending') {
      this.drops.add(FrameReason.fragment);
      return;
    }
    const seg = link.segment;
    const heldBefore = this.tcp.stats.outOfOrder;
    this.tcp.push(seg, this.onStreamEvent);
    if (this.frameHadRecord) return;
    if (this.frameReason !== undefined) this.drops.add(this.frameReason);
    else if ((seg.payloadLength ?? seg.payload.length) === 0) this.drops.add(FrameReason.noPayload);
    else if (this.tcp.stats.outOfOrder !== heldBefore) {
      this.drops.add(FrameReason.held);
      if (this.heldFrames.size < MAX_HELD_FRAMES) this.heldFrames.add(frame.no);
    } else this.drops.add(FrameReason.continuation);
  }

  /** Ends the capture: flushes partial streams, unanswered calls and the correlator. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.frameNo = -1;
    this.ip.flush();
    this.tcp.flush(this.onStreamEvent);
    this.streams.flush(this.lastFrameNo);
    this.matcher.flushUnanswered();
    this.correlator?.finish();
  }

  summary(): EngineSummary {
    const s = this.matcher.stats;
    return {
      framesRead: this.framesRead,
      bytesRead: this.bytesRead,
      framesWithRpc: this.framesWithRpc,
      rpcMessages: this.rpcMessages,
      calls: s.calls,
      replies: s.replies,
      duplicateCalls: s.duplicateCalls,
      duplicateReplies: s.duplicateReplies,
      orphanReplies: s.orphanReplies,
      unansweredCalls: s.unanswered,
      malformedNfs: this.malformedNfs,
      notDecoded: this.drops.entries(),
      problems: this.problems.entries(),
    };
  }

  /** A stage reports something about a frame; only the first reason per frame counts. */
  private frameProblem(reason: string, frame: number): void {
    if (frame === this.frameNo) {
      if (this.frameReason === undefined) this.frameReason = reason;
    } else {
      this.problems.add(reason);
    }
  }

  private handleMessage(rpc: RpcMessage): void {
    const frame = rpc.record.frame;
    if (frame === this.frameNo) {
      this.frameHadRecord = true;
      if (frame !== this.lastRpcFrame) this.framesWithRpc++;
    } else if (frame !== this.lastRpcFrame && this.heldFrames.delete(frame)) {
      // A held segment completed a record later: move its frame from "held" to "with RPC".
      this.drops.add(FrameReason.held, -1);
      this.framesWithRpc++;
    }
    this.lastRpcFrame = frame;
    this.rpcMessages++;
    const m: AnalyzedMessage = this.decoders !== undefined ? this.decodeBody(rpc, this.decoders) : { rpc };
    this.correlator?.onMessage(rpc, m.nfs, undefined, m.viewBytes);
    this.onMessage?.(m);
  }

  private programKind(rpc: RpcMessage): NfsProgramName | undefined {
    const prog = rpc.program;
    if (prog === undefined) return undefined;
    if (prog === PROG_NFS && rpc.version === 4) return 'NFS';
    if (this.callbacks.has(prog)) return 'NFS_CB';
    // A callback program we did not see negotiated (the capture started later): NFSv4
    // clients take it from the transient range, with callback version 1.
    if (prog >= TRANSIENT_FIRST && prog <= TRANSIENT_LAST && rpc.version === 1) return 'NFS_CB';
    return undefined;
  }

  /** The analysed message, built as one object once its body is decoded (stable shapes). */
  private decodeBody(rpc: RpcMessage, decoders: NfsDecoders): AnalyzedMessage {
    const kind = this.programKind(rpc);
    if (kind === undefined) return { rpc, undecoded: rpc.orphan ? 'reply without a call' : 'not NFSv4' };
    if (rpc.bodyWrap !== undefined) return { rpc, undecoded: `RPCSEC_GSS body (${rpc.bodyWrap})` };
    const h = rpc.header;
    const opts = this.traceOptions;
    let nfs: NfsCompound;
    if (h.msgType === 'call') {
      nfs = decoders.decodeNfsCall(rpc.record.bytes, h.bodyOffset, kind, h.vers, h.proc, opts);
      if (kind === 'NFS') this.learnCallbackProgram(nfs);
    } else {
      if (h.replyStat !== 'MSG_ACCEPTED' || h.acceptStat !== 'SUCCESS') {
        return { rpc, undecoded: `RPC reply ${h.rejectStat ?? h.acceptStat ?? h.replyStat}` };
      }
      nfs = decoders.decodeNfsReply(rpc.record.bytes, h.bodyOffset, kind, rpc.version ?? 0, rpc.procedure ?? 0, opts);
    }
    if (isMalformed(nfs)) this.malformedNfs++;
    return { rpc, nfs, viewBytes: decoders.lastDecodeViewBytes() };
  }

  /** CREATE_SESSION, BACKCHANNEL_CTL and SETCLIENTID name the program callbacks will use. */
  private learnCallbackProgram(c: NfsCompound): void {
    for (const op of c.ops) {
      const args = op.args as Record<string, unknown> | undefined;
      if (args === undefined) continue;
      let prog: unknown;
      if (op.op === 'CREATE_SESSION') prog = args.csa_cb_program;
      else if (op.op === 'BACKCHANNEL_CTL') prog = args.bca_cb_program;
      else if (op.op === 'SETCLIENTID') prog = (args.callback as Record<string, unknown> | undefined)?.cb_program;
      if (typeof prog === 'number') this.callbacks.learn(prog);
    }
  }
}

function isMalformed(c: NfsCompound): boolean {
  if (c.malformed !== undefined) return true;
  const ops = c.ops;
  for (let i = 0; i < ops.length; i++) if (ops[i].malformed !== undefined) return true;
  return false;
}

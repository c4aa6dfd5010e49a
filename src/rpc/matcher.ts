/**
 * ONC RPC call/reply matching. Each record's header says whether it is a call or a reply
 * (never the port). A reply matches the call with the same xid on the same connection sent
 * in the opposite direction: fore channel and back channel share a TCP connection but have
 * independent xid spaces, and the direction keeps them apart.
 *
 * Memory is bounded: at most maxPendingCalls calls wait for a reply (beyond it the oldest is
 * evicted and counted as never answered) and the maxAnsweredCalls most recently answered
 * calls are remembered to recognise duplicates.
 */
import { decodeRpcHeaderOrNull, lastHeaderFailure } from '../../dissectors/rpc/header.js';
import type { RpcBodyWrap } from '../../dissectors/rpc/types.js';
import type { ConnectionKey } from '../tcp/types.js';
import { CallTable } from './call-table.js';
import type { RpcMessage, RpcRecord } from './types.js';

export { CallbackPrograms } from './programs.js';

export type UnansweredReason = 'evicted' | 'timed out' | 'end of capture' | 'xid reused';

export interface UnansweredCall {
  conn: ConnectionKey;
  /** Direction the call travelled. */
  dir: 'ab' | 'ba';
  src: string;
  dst: string;
  xid: number;
  program: number;
  version: number;
  procedure: number;
  frame: number;
  sec: number;
  nsec: number;
  reason: UnansweredReason;
}

export interface RpcMatcherOptions {
  /** Calls waiting for a reply (default 100000); the oldest is evicted beyond it. */
  maxPendingCalls?: number;
  /**
   * Answered calls remembered to recognise a retransmitted call or a second reply (default
   * 8192). Kept small on purpose: a large table costs cache misses on every record.
   */
  maxAnsweredCalls?: number;
  /** A call older than this (capture time) with no reply is given up (default: never). */
  callTimeoutSec?: number;
  /** How many unanswered calls flushUnanswered() lists at most (default 10000; all are counted). */
  maxUnansweredListed?: number;
  /** A record whose RPC header does not decode. */
  onMalformed?: (reason: string, frame: number, offset: number) => void;
  /** Streaming alternative to flushUnanswered(): called as each call is given up. */
  onUnanswered?: (call: UnansweredCall) => void;
}

export interface RpcMatcherStats {
  calls: number;
  replies: number;
  /** Replies matched to a call (first replies only). */
  matched: number;
  duplicateCalls: number;
  duplicateReplies: number;
  orphanReplies: number;
  /** Calls never answered, by any reason (counted when given up). */
  unanswered: number;
  /** Of which evicted because the pending table was full. */
  evicted: number;
  /** Of which older than callTimeoutSec. */
  timedOut: number;
  /** Records whose RPC header did not decode. */
  malformed: number;
}

const WRAPS: ReadonlyArray<RpcBodyWrap | undefined> = [undefined, 'gss-integrity', 'gss-privacy', 'gss-control'];

function wrapCode(w: RpcBodyWrap | undefined): number {
  return w === undefined ? 0 : w === 'gss-integrity' ? 1 : w === 'gss-privacy' ? 2 : 3;
}

/** First half of the table key: connection and the direction the call travelled. */
function connDir(connId: number, callDir: 'ab' | 'ba'): number {
  return (connId * 2 + (callDir === 'ab' ? 0 : 1)) >>> 0;
}

function opposite(dir: 'ab' | 'ba'): 'ab' | 'ba' {
  return dir === 'ab' ? 'ba' : 'ab';
}

export class RpcMatcher {
  private readonly maxPending: number;
  private readonly maxAnswered: number;
  private readonly timeout: number;
  private readonly maxListed: number;
  private readonly onMalformed: (reason: string, frame: number, offset: number) => void;
  private readonly onUnanswered: ((call: UnansweredCall) => void) | undefined;
  /** Every remembered call, pending or answered, with both orders. */
  private readonly calls = new CallTable();
  private readonly givenUp: UnansweredCall[] = [];

  readonly stats: RpcMatcherStats = {
    calls: 0,
    replies: 0,
    matched: 0,
    duplicateCalls: 0,
    duplicateReplies: 0,
    orphanReplies: 0,
    unanswered: 0,
    evicted: 0,
    timedOut: 0,
    malformed: 0,
  };

  constructor(opts: RpcMatcherOptions = {}) {
    this.maxPending = Math.max(1, opts.maxPendingCalls ?? 100_000);
    this.maxAnswered = Math.max(1, opts.maxAnsweredCalls ?? 8192);
    this.timeout = opts.callTimeoutSec ?? Infinity;
    this.maxListed = opts.maxUnansweredListed ?? 10_000;
    this.onMalformed = opts.onMalformed ?? noMalformed;
    this.onUnanswered = opts.onUnanswered;
  }

  /** Calls currently waiting for a reply. */
  get pendingCount(): number {
    return this.calls.pendingCount;
  }

  /** Is a call with this xid waiting for a reply that would travel in replyDir? (resync hint) */
  isPendingReplyXid(conn: ConnectionKey, replyDir: 'ab' | 'ba', xid: number): boolean {
    const id = this.calls.find(connDir(conn.id, opposite(replyDir)), xid);
    return id >= 0 && !this.calls.isAnswered(id);
  }

  /** Decodes the record's header and emits one RpcMessage (or counts it as malformed). */
  push(record: RpcRecord, out: (m: RpcMessage) => void): void {
    const header = decodeRpcHeaderOrNull(record.bytes);
    if (header === null) {
      const why = lastHeaderFailure();
      this.stats.malformed++;
      this.onMalformed(why.reason, record.frame, why.offset);
      return;
    }
    const conn = record.conn;
    const dir = record.dir;
    const src = dir === 'ab' ? conn.a : conn.b;
    const dst = dir === 'ab' ? conn.b : conn.a;
    if (this.timeout !== Infinity) this.expire(record.sec, record.nsec);

    if (header.msgType === 'call') {
      this.stats.calls++;
      const msg: RpcMessage = {
        record,
        src,
        dst,
        header,
        xid: header.xid,
        type: 'call',
        program: header.prog,
        version: header.vers,
        procedure: header.proc,
      };
      if (header.bodyWrap !== undefined) msg.bodyWrap = header.bodyWrap;
      const calls = this.calls;
      const k1 = connDir(conn.id, dir);
      const prior = calls.find(k1, header.xid);
      if (prior >= 0) {
        if (calls.program(prior) === header.prog && calls.version(prior) === header.vers && calls.procedure(prior) === header.proc) {
          // Retransmission: the reply matches the first call; this one is marked.
          msg.duplicate = true;
          this.stats.duplicateCalls++;
          out(msg);
          return;
        }
        // Same xid, different procedure: the caller reused the xid for a new call.
        if (!calls.isAnswered(prior)) this.giveUp(prior, 'xid reused');
        calls.remove(prior);
      }
      calls.addPending(k1, header.xid, conn, header.prog, header.vers, header.proc, record.frame, record.sec, record.nsec, wrapCode(header.bodyWrap));
      if (calls.pendingCount > this.maxPending) this.evictPending();
      out(msg);
      return;
    }

    this.stats.replies++;
    const calls = this.calls;
    const id = calls.find(connDir(conn.id, opposite(dir)), header.xid);
    if (id < 0) {
      this.stats.orphanReplies++;
      out({ record, src, dst, header, xid: header.xid, type: 'reply', orphan: true });
      return;
    }
    const answered = calls.isAnswered(id);
    if (answered) this.stats.duplicateReplies++;
    else this.stats.matched++;
    const program = calls.program(id);
    const version = calls.version(id);
    const procedure = calls.procedure(id);
    const callFrame = calls.frame(id);
    const responseTime = record.sec - calls.sec(id) + (record.nsec - calls.nsec(id)) / 1e9;
    // One literal per reply (same keys in the same order as before: `duplicate` after `type`):
    // adding five properties to a smaller literal cost a property store each.
    const msg: RpcMessage = answered
      ? { record, src, dst, header, xid: header.xid, type: 'reply', duplicate: true, program, version, procedure, callFrame, responseTime }
      : { record, src, dst, header, xid: header.xid, type: 'reply', program, version, procedure, callFrame, responseTime };
    const wrap = WRAPS[calls.tagOf(id)];
    if (wrap !== undefined) msg.bodyWrap = wrap;
    if (!msg.duplicate) {
      calls.markAnswered(id);
      if (calls.answeredCount > this.maxAnswered) calls.remove(calls.oldestAnswered());
    }
    out(msg);
  }

  /**
   * End of capture: every call still pending is given up ('end of capture'). Returns the
   * calls given up so far (evicted, timed out, xid reused, end of capture), at most
   * maxUnansweredListed of them; stats.unanswered has the full count.
   */
  flushUnanswered(): UnansweredCall[] {
    for (const id of this.calls.pendingIds()) this.giveUp(id, 'end of capture');
    this.calls.clear();
    const list = this.givenUp.slice();
    this.givenUp.length = 0;
    return list;
  }

  private evictPending(): void {
    const id = this.calls.oldestPending();
    if (id < 0) return;
    this.stats.evicted++;
    this.giveUp(id, 'evicted');
    this.calls.remove(id);
  }

  /** Gives up pending calls older than the timeout (the queue is in arrival order). */
  private expire(sec: number, nsec: number): void {
    const calls = this.calls;
    for (let id = calls.oldestPending(); id >= 0; id = calls.oldestPending()) {
      if (sec - calls.sec(id) + (nsec - calls.nsec(id)) / 1e9 <= this.timeout) break;
      this.stats.timedOut++;
      this.giveUp(id, 'timed out');
      calls.remove(id);
    }
  }

  private giveUp(id: number, reason: UnansweredReason): void {
    this.stats.unanswered++;
    const calls = this.calls;
    const c = calls.conn(id);
    const dir = calls.callDirBit(id) === 0 ? 'ab' : 'ba';
    const u: UnansweredCall = {
      conn: c,
      dir,
      src: dir === 'ab' ? c.a : c.b,
      dst: dir === 'ab' ? c.b : c.a,
      xid: calls.xid(id),
      program: calls.program(id),
      version: calls.version(id),
      procedure: calls.procedure(id),
      frame: calls.frame(id),
      sec: calls.sec(id),
      nsec: calls.nsec(id),
      reason,
    };
    if (this.onUnanswered !== undefined) this.onUnanswered(u);
    if (this.givenUp.length < this.maxListed) this.givenUp.push(u);
  }
}

function noMalformed(): void {}

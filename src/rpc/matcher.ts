/**
 * ONC RPC call/reply matching. Each record's header says whether it is a call or a reply
 * (never the port). A reply matches the call with the same xid on the same connection sent
 * in the opposite direction: fore channel and back channel share a TCP connection but have
 * independent xid spaces, and the direction keeps them apart.
 *
 * Memory is bounded: at most maxPendingCalls unanswered calls (oldest evicted, counted as
 * never answered) and as many answered calls remembered for duplicate detection.
 */
import { decodeRpcHeader } from '../../dissectors/rpc/header.js';
import type { RpcBodyWrap } from '../../dissectors/rpc/types.js';
import type { ConnectionKey } from '../tcp/types.js';
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
  /** Answered calls remembered to recognise duplicates (default = maxPendingCalls). */
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

/** A call seen, waiting for (or having got) its reply. */
interface CallEntry {
  conn: ConnectionKey;
  dir: 'ab' | 'ba';
  xid: number;
  program: number;
  version: number;
  procedure: number;
  frame: number;
  sec: number;
  nsec: number;
  bodyWrap: RpcBodyWrap | undefined;
}

type CallKey = number | string;

/** Connection ids below this give a collision-free numeric key (id*2+dir)*2^32+xid < 2^53. */
const NUMERIC_KEY_LIMIT = 2 ** 20;

function callKey(connId: number, callDir: 'ab' | 'ba', xid: number): CallKey {
  const d = callDir === 'ab' ? 0 : 1;
  if (connId < NUMERIC_KEY_LIMIT) return (connId * 2 + d) * 4294967296 + xid;
  return `${connId}/${d}/${xid}`;
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
  /** Insertion order = arrival order, so the first key is the oldest call. */
  private readonly pending = new Map<CallKey, CallEntry>();
  private readonly answered = new Map<CallKey, CallEntry>();
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
    this.maxAnswered = Math.max(1, opts.maxAnsweredCalls ?? this.maxPending);
    this.timeout = opts.callTimeoutSec ?? Infinity;
    this.maxListed = opts.maxUnansweredListed ?? 10_000;
    this.onMalformed = opts.onMalformed ?? noMalformed;
    this.onUnanswered = opts.onUnanswered;
  }

  /** Calls currently waiting for a reply. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Is a call with this xid waiting for a reply that would travel in replyDir? (resync hint) */
  isPendingReplyXid(conn: ConnectionKey, replyDir: 'ab' | 'ba', xid: number): boolean {
    return this.pending.has(callKey(conn.id, opposite(replyDir), xid));
  }

  /** Decodes the record's header and emits one RpcMessage (or counts it as malformed). */
  push(record: RpcRecord, out: (m: RpcMessage) => void): void {
    const res = decodeRpcHeader(record.bytes);
    if (!res.ok) {
      this.stats.malformed++;
      this.onMalformed(res.reason, record.frame, res.offset);
      return;
    }
    const header = res.header;
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
      const key = callKey(conn.id, dir, header.xid);
      const prior = this.pending.get(key) ?? this.answered.get(key);
      if (prior !== undefined && prior.program === header.prog && prior.version === header.vers && prior.procedure === header.proc) {
        // Retransmission: the reply matches the first call; this one is marked.
        msg.duplicate = true;
        this.stats.duplicateCalls++;
        out(msg);
        return;
      }
      if (prior !== undefined) {
        // Same xid, different procedure: the caller reused the xid for a new call.
        if (this.pending.delete(key)) this.giveUp(prior, 'xid reused');
        else this.answered.delete(key);
      }
      this.pending.set(key, {
        conn,
        dir,
        xid: header.xid,
        program: header.prog,
        version: header.vers,
        procedure: header.proc,
        frame: record.frame,
        sec: record.sec,
        nsec: record.nsec,
        bodyWrap: header.bodyWrap,
      });
      if (this.pending.size > this.maxPending) this.evictOldest();
      out(msg);
      return;
    }

    this.stats.replies++;
    const msg: RpcMessage = { record, src, dst, header, xid: header.xid, type: 'reply' };
    const key = callKey(conn.id, opposite(dir), header.xid);
    let call = this.pending.get(key);
    if (call !== undefined) {
      this.stats.matched++;
      this.pending.delete(key);
      this.answered.set(key, call);
      if (this.answered.size > this.maxAnswered) {
        const oldest = this.answered.keys().next();
        if (!oldest.done) this.answered.delete(oldest.value);
      }
    } else {
      call = this.answered.get(key);
      if (call !== undefined) {
        msg.duplicate = true;
        this.stats.duplicateReplies++;
      } else {
        msg.orphan = true;
        this.stats.orphanReplies++;
      }
    }
    if (call !== undefined) {
      msg.program = call.program;
      msg.version = call.version;
      msg.procedure = call.procedure;
      msg.callFrame = call.frame;
      msg.responseTime = record.sec - call.sec + (record.nsec - call.nsec) / 1e9;
      if (call.bodyWrap !== undefined) msg.bodyWrap = call.bodyWrap;
    }
    out(msg);
  }

  /**
   * End of capture: every call still pending is given up ('end of capture'). Returns the
   * calls given up so far (evicted, timed out, xid reused, end of capture), at most
   * maxUnansweredListed of them; stats.unanswered has the full count.
   */
  flushUnanswered(): UnansweredCall[] {
    for (const call of this.pending.values()) this.giveUp(call, 'end of capture');
    this.pending.clear();
    const list = this.givenUp.slice();
    this.givenUp.length = 0;
    return list;
  }

  private evictOldest(): void {
    const oldest = this.pending.entries().next();
    if (oldest.done) return;
    this.pending.delete(oldest.value[0]);
    this.stats.evicted++;
    this.giveUp(oldest.value[1], 'evicted');
  }

  /** Gives up calls older than the timeout (the table is in arrival order). */
  private expire(sec: number, nsec: number): void {
    for (const [key, call] of this.pending) {
      if (sec - call.sec + (nsec - call.nsec) / 1e9 <= this.timeout) break;
      this.pending.delete(key);
      this.stats.timedOut++;
      this.giveUp(call, 'timed out');
    }
  }

  private giveUp(call: CallEntry, reason: UnansweredReason): void {
    this.stats.unanswered++;
    const c = call.conn;
    const u: UnansweredCall = {
      conn: c,
      dir: call.dir,
      src: call.dir === 'ab' ? c.a : c.b,
      dst: call.dir === 'ab' ? c.b : c.a,
      xid: call.xid,
      program: call.program,
      version: call.version,
      procedure: call.procedure,
      frame: call.frame,
      sec: call.sec,
      nsec: call.nsec,
      reason,
    };
    if (this.onUnanswered !== undefined) this.onUnanswered(u);
    if (this.givenUp.length < this.maxListed) this.givenUp.push(u);
  }
}

function noMalformed(): void {}

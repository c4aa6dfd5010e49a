import { describe, expect, it } from 'vitest';
import { encodeGssCred, encodeRpcCall, encodeRpcReply } from '../../dissectors/rpc/encode.js';
import type { ConnectionKey } from '../tcp/types.js';
import { CallbackPrograms, RpcMatcher, type UnansweredCall } from './matcher.js';
import type { RpcMessage, RpcRecord } from './types.js';

const conn: ConnectionKey = { id: 1, a: '127.0.0.1:731', b: '127.0.0.1:2049', transport: 'tcp' };
const conn2: ConnectionKey = { id: 2, a: '127.0.0.1:800', b: '127.0.0.1:2049', transport: 'tcp' };

function rec(c: ConnectionKey, dir: 'ab' | 'ba', bytes: Uint8Array, frame: number, sec = frame, nsec = 0): RpcRecord {
  return { conn: c, dir, bytes, frame, sec, nsec, firstFrame: frame, fragments: 1 };
}

const call = (xid: number, prog = 100003, vers = 4, proc = 1) => encodeRpcCall({ xid, prog, vers, proc });
const reply = (xid: number) => encodeRpcReply({ xid, accept: 0 });

function harness(opts: ConstructorParameters<typeof RpcMatcher>[0] = {}) {
  const msgs: RpcMessage[] = [];
  const malformed: Array<[string, number, number]> = [];
  const m = new RpcMatcher({ ...opts, onMalformed: (r, f, o) => malformed.push([r, f, o]) });
  const out = (x: RpcMessage) => msgs.push(x);
  return { m, msgs, malformed, push: (r: RpcRecord) => m.push(r, out) };
}

function summary(msgs: RpcMessage[]) {
  return msgs.map((x) => ({
    frame: x.record.frame,
    type: x.type,
    xid: x.xid,
    callFrame: x.callFrame,
    program: x.program,
    duplicate: x.duplicate,
    orphan: x.orphan,
  }));
}

describe('RpcMatcher', () => {
  it('matches a reply to its call and carries program, procedure, frame and response time', () => {
    const h = harness();
    h.push(rec(conn, 'ab', call(0x1a2b0101), 7, 100, 250_000_000));
    h.push(rec(conn, 'ba', reply(0x1a2b0101), 9, 100, 750_000_000));
    expect(h.msgs[1]).toMatchObject({
      type: 'reply',
      xid: 0x1a2b0101,
      src: '127.0.0.1:2049',
      dst: '127.0.0.1:731',
      program: 100003,
      version: 4,
      procedure: 1,
      callFrame: 7,
    });
    expect(h.msgs[1].responseTime).toBeCloseTo(0.5, 9);
    expect(h.msgs[0].src).toBe('127.0.0.1:731');
    expect(h.m.pendingCount).toBe(0);
  });

  it('fore and back channel on one connection with the same xid do not cross-match', () => {
    const h = harness();
    h.push(rec(conn, 'ab', call(42), 1)); // client NFS call
    h.push(rec(conn, 'ba', call(42, 0x40000000, 1, 1), 2)); // server CB call, same xid
    h.push(rec(conn, 'ab', reply(42), 3)); // client's reply to the CB call
    h.push(rec(conn, 'ba', reply(42), 4)); // server's reply to the NFS call
    expect(summary(h.msgs).map((s) => [s.frame, s.type, s.callFrame, s.program])).toEqual([
      [1, 'call', undefined, 100003],
      [2, 'call', undefined, 0x40000000],
      [3, 'reply', 2, 0x40000000],
      [4, 'reply', 1, 100003],
    ]);
  });

  it('keeps connections apart', () => {
    const h = harness();
    h.push(rec(conn, 'ab', call(5), 1));
    h.push(rec(conn2, 'ba', reply(5), 2));
    expect(h.msgs[1].orphan).toBe(true);
    expect(h.m.isPendingReplyXid(conn, 'ba', 5)).toBe(true);
    expect(h.m.isPendingReplyXid(conn, 'ab', 5)).toBe(false);
  });

  it('marks duplicate calls and replies, matches the reply to the first call', () => {
    const h = harness();
    h.push(rec(conn, 'ab', call(9), 1));
    h.push(rec(conn, 'ab', call(9), 2)); // retransmission while pending
    h.push(rec(conn, 'ba', reply(9), 3));
    h.push(rec(conn, 'ab', call(9), 4)); // retransmission after the reply
    h.push(rec(conn, 'ba', reply(9), 5)); // second reply
    expect(summary(h.msgs).map((s) => [s.frame, s.type, s.callFrame, s.duplicate])).toEqual([
      [1, 'call', undefined, undefined],
      [2, 'call', undefined, true],
      [3, 'reply', 1, undefined],
      [4, 'call', undefined, true],
      [5, 'reply', 1, true],
    ]);
    expect(h.m.stats).toMatchObject({ calls: 3, replies: 2, matched: 1, duplicateCalls: 2, duplicateReplies: 1, orphanReplies: 0 });
  });

  it('a reused xid with another procedure is a new call; the old pending one is given up', () => {
    const h = harness();
    h.push(rec(conn, 'ab', call(3, 100003, 4, 0), 1));
    h.push(rec(conn, 'ab', call(3, 100003, 4, 1), 2));
    h.push(rec(conn, 'ba', reply(3), 3));
    expect(h.msgs[1].duplicate).toBeUndefined();
    expect(h.msgs[2].callFrame).toBe(2);
    expect(h.m.flushUnanswered().map((u) => [u.frame, u.reason])).toEqual([[1, 'xid reused']]);
  });

  it('orphan replies and unanswered calls are counted and listed', () => {
    const h = harness();
    h.push(rec(conn, 'ba', reply(77), 1));
    h.push(rec(conn, 'ab', call(78), 2));
    h.push(rec(conn, 'ba', call(79, 0x40000000, 1, 0), 3));
    expect(h.msgs[0].orphan).toBe(true);
    expect(h.msgs[0].program).toBeUndefined();
    const un = h.m.flushUnanswered();
    expect(un.map((u) => [u.xid, u.frame, u.src, u.program, u.reason])).toEqual([
      [78, 2, '127.0.0.1:731', 100003, 'end of capture'],
      [79, 3, '127.0.0.1:2049', 0x40000000, 'end of capture'],
    ]);
    expect(h.m.stats.orphanReplies).toBe(1);
    expect(h.m.stats.unanswered).toBe(2);
  });

  it('bounds the pending table by evicting the oldest call', () => {
    const given: UnansweredCall[] = [];
    const h = harness({ maxPendingCalls: 2, onUnanswered: (u) => given.push(u) });
    h.push(rec(conn, 'ab', call(1), 1));
    h.push(rec(conn, 'ab', call(2), 2));
    h.push(rec(conn, 'ab', call(3), 3));
    expect(h.m.pendingCount).toBe(2);
    expect(given.map((u) => [u.xid, u.reason])).toEqual([[1, 'evicted']]);
    h.push(rec(conn, 'ba', reply(1), 4));
    expect(h.msgs[3].orphan).toBe(true);
    expect(h.m.stats.evicted).toBe(1);
  });

  it('gives up calls older than the timeout', () => {
    const h = harness({ callTimeoutSec: 30 });
    h.push(rec(conn, 'ab', call(1), 1, 0));
    h.push(rec(conn, 'ab', call(2), 2, 20));
    h.push(rec(conn, 'ab', call(3), 3, 31));
    expect(h.m.stats.timedOut).toBe(1);
    h.push(rec(conn, 'ba', reply(2), 4, 32));
    expect(h.msgs[3].callFrame).toBe(2);
  });

  it('counts records whose header does not decode', () => {
    const h = harness();
    h.push(rec(conn, 'ab', new Uint8Array([0, 0, 0, 1, 0, 0, 0, 7]), 5));
    expect(h.msgs.length).toBe(0);
    expect(h.malformed).toEqual([['msg_type 7 is neither CALL (0) nor REPLY (1)', 5, 4]]);
  });

  it('carries the RPCSEC_GSS body wrapping from the call to the reply', () => {
    const h = harness();
    const gss = encodeRpcCall({ xid: 4, prog: 100003, vers: 4, proc: 1, cred: { flavor: 6, body: encodeGssCred({ proc: 0, seqNum: 1, service: 3, handle: new Uint8Array(4) }) } });
    h.push(rec(conn, 'ab', gss, 1));
    h.push(rec(conn, 'ba', reply(4), 2));
    expect(h.msgs.map((x) => x.bodyWrap)).toEqual(['gss-privacy', 'gss-privacy']);
  });
});

describe('CallbackPrograms', () => {
  it('knows 0x40000000 and learns others', () => {
    const cb = new CallbackPrograms();
    expect(cb.has(0x40000000)).toBe(true);
    expect(cb.has(0x40000001)).toBe(false);
    cb.learn(0x40000001);
    expect(cb.has(0x40000001)).toBe(true);
    expect(cb.list()).toEqual([0x40000000, 0x40000001]);
  });
});

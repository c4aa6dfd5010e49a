import { describe, expect, it } from 'vitest';
import { Correlator } from './correlator.js';
import { formatDelegationsText } from './format.js';
import type { DelegationEvent, DelegationRecord, OpStatRow, RecallCause } from './types.js';
import {
  ADD, CHILD_ATTRS, REMOVE, RENAME, World, type CallHandle, cbNotify, cbRecall, cbSeq, clientKey, establish, fh, fhHex, gddArgs, gddOk,
  gddUnavail, getfhRes, mask, notifyAdd, notifyRemove, notifyRename, openArgs, openRes, otherHex, putfh, seq, seqRes,
  sessionId, stateid,
} from './testkit.js';

const A = 0x5f00000100000002n;
const B = 0x5f00000100000012n;
const C = 0x5f00000100000022n;
const SA = sessionId(0xa5);
const SB = sessionId(0xb6);
const SC = sessionId(0xc7);

function setup(opts: ConstructorParameters<typeof Correlator>[0] = {}) {
  const c = new Correlator(opts);
  const w = new World(c);
  const ca = w.conn('10.0.0.1:800');
  const cb = w.conn('10.0.0.2:801');
  const cc = w.conn('10.0.0.3:802');
  establish(w, ca, A, SA, 'client-A');
  establish(w, cb, B, SB, 'client-B');
  establish(w, cc, C, SC, 'client-C');
  return { c, w, ca, cb, cc };
}

/** Client on `conn` (session sess) gets a directory delegation on `dir`. */
function grantDir(w: World, conn: ReturnType<World['conn']>, sess: Uint8Array, dir: string, n: number, notify = mask(ADD, REMOVE, RENAME)) {
  const h = w.call(conn, [seq(sess), putfh(dir), ['GET_DIR_DELEGATION', gddArgs(notify)]]);
  w.ok(h, { 0: seqRes(), 2: gddOk(stateid(n), notify) });
  return h;
}

function byOther(c: Correlator, n: number): DelegationRecord {
  const d = c.delegations().find((x) => x.stateid?.other === otherHex(n));
  if (d === undefined) throw new Error(`delegation ${n} not found`);
  return d;
}

function events(d: DelegationRecord, kind: DelegationEvent['kind']): DelegationEvent[] {
  return d.events.filter((e) => e.kind === kind);
}

function recallCause(d: DelegationRecord): RecallCause {
  const e = d.events.find((x) => x.kind === 'recalled');
  if (e === undefined || e.kind !== 'recalled') throw new Error('no recall');
  return e.cause;
}

describe('Correlator: entities', () => {
  it('learns clients from EXCHANGE_ID and sessions from CREATE_SESSION, with bound connections', () => {
    const { c } = setup();
    const clients = c.clientList();
    const a = clients.find((x) => x.key === clientKey(A));
    expect(a?.owner).toBe('client-A');
    expect(a?.sessions).toEqual(['a5'.repeat(16)]);
    expect(a?.addresses).toEqual(['10.0.0.1:800']);
    const s = c.sessionList().find((x) => x.sessionid === 'b6'.repeat(16));
    expect(s?.client).toBe(clientKey(B));
    expect(s?.cbProgram).toBe(0x40000000);
    expect(s?.connections).toEqual([{ conn: 2, dir: 'both' }]);
  });
});

describe('Correlator: directory delegation lifecycle', () => {
  it('grant, notification matched to the change that caused it, return', () => {
    const { c, w, ca, cb } = setup();
    const g = grantDir(w, ca, SA, 'dir', 1);
    const open = w.call(cb, [seq(SB), putfh('dir'), ['OPEN', openArgs('newfile', { create: true })], ['GETFH']]);
    w.ok(open, { 0: seqRes(), 2: openRes(stateid(900)), 3: getfhRes('dir/newfile') });
    w.advance(0.01);
    const n = w.cbCall(ca, [cbSeq(SA), cbNotify(stateid(1), 'dir', notifyAdd('newfile', 5))]);
    w.ok(n);
    const ret = w.call(ca, [seq(SA), putfh('dir'), ['DELEGRETURN', { deleg_stateid: stateid(1) }]]);
    w.ok(ret);
    c.finish();

    const d = byOther(c, 1);
    expect(d.kind).toBe('directory');
    expect(d.fh).toBe(fhHex('dir'));
    expect(d.holder).toBe(clientKey(A));
    expect(d.state).toBe('returned');
    expect(d.notificationTypes).toEqual(['NOTIFY4_REMOVE_ENTRY', 'NOTIFY4_ADD_ENTRY', 'NOTIFY4_RENAME_ENTRY']);
    expect(d.events.map((e) => e.kind)).toEqual(['granted', 'notified', 'returned']);
    const granted = d.events[0];
    expect(granted.kind === 'granted' && granted.callFrame).toBe(g.msg.record.frame);
    const notified = d.events[1];
    if (notified.kind !== 'notified') throw new Error('expected notified');
    expect(notified.frame).toBe(n.msg.record.frame);
    expect(notified.reply?.status).toBe('NFS4_OK');
    expect(notified.entries).toHaveLength(1);
    expect(notified.entries[0]).toMatchObject({ type: 'NOTIFY4_ADD_ENTRY', name: 'newfile', cookie: 5 });
    expect(notified.entries[0].mutation).toMatchObject({ op: 'OPEN', client: clientKey(B), callFrame: open.msg.record.frame });
    expect(notified.entries[0].mutation?.latency).toBeGreaterThan(0.009);
    const returned = d.events[2];
    expect(returned.kind === 'returned' && returned.reply?.frame).toBe(ret.msg.record.frame + 1);
    expect(d.problems).toEqual([]);
    const st = c.stats();
    expect(st.delegations.granted).toBe(1);
    expect(st.delegations.returned).toBe(1);
    expect(st.delegations.notifyLatency.count).toBe(1);
  });

  it('GDD4_UNAVAIL is recorded on a directory entry without a stateid', () => {
    const { c, w, ca } = setup();
    const h = w.call(ca, [seq(SA), putfh('archive'), ['GET_DIR_DELEGATION', gddArgs(mask(ADD))]]);
    w.ok(h, { 0: seqRes(), 2: gddUnavail(true) });
    const d = c.delegations().find((x) => x.fh === fhHex('archive'));
    expect(d?.stateid).toBeUndefined();
    expect(d?.state).toBe('unavailable');
    expect(d?.events).toHaveLength(1);
    expect(d?.events[0]).toMatchObject({ kind: 'unavailable', willSignal: true, client: clientKey(A), callFrame: h.msg.record.frame });
    expect(c.stats().delegations.unavailable).toBe(1);
  });

  it('recall while a CB_NOTIFY is unanswered: conflict cause with DELAY replies and the retry', () => {
    const { c, w, ca, cb } = setup();
    grantDir(w, ca, SA, 'dir', 2);
    // B removes a file: notified, but A has not answered the CB_NOTIFY yet.
    const rm = w.call(cb, [seq(SB), putfh('dir'), ['REMOVE', { target: 'old' }]]);
    w.ok(rm, { 0: seqRes() });
    const n = w.cbCall(ca, [cbSeq(SA), cbNotify(stateid(2), 'dir', notifyRemove('old'))]);
    // B sets an attribute of the directory itself: not a notified change -> DELAY + recall.
    const sa = w.call(cb, [seq(SB, 0, 2), putfh('dir'), ['SETATTR', { stateid: stateid(0, 0), obj_attributes: { attrmask: [], attr_vals: new Uint8Array(0) } }]]);
    w.reply(sa, [['SEQUENCE', 'NFS4_OK', seqRes()], ['PUTFH', 'NFS4_OK'], ['SETATTR', 'NFS4ERR_DELAY']]);
    const r = w.cbCall(ca, [cbSeq(SA), cbRecall(stateid(2), 'dir')]);
    w.ok(n);
    w.ok(r);
    const sa2 = w.call(cb, [seq(SB, 0, 3), putfh('dir'), ['SETATTR', { stateid: stateid(0, 0), obj_attributes: { attrmask: [], attr_vals: new Uint8Array(0) } }]]);
    w.reply(sa2, [['SEQUENCE', 'NFS4_OK', seqRes()], ['PUTFH', 'NFS4_OK'], ['SETATTR', 'NFS4ERR_DELAY']]);
    const ret = w.call(ca, [seq(SA), putfh('dir'), ['DELEGRETURN', { deleg_stateid: stateid(2) }]]);
    w.ok(ret);
    const sa3 = w.call(cb, [seq(SB, 0, 4), putfh('dir'), ['SETATTR', { stateid: stateid(0, 0), obj_attributes: { attrmask: [], attr_vals: new Uint8Array(0) } }]]);
    w.ok(sa3);
    c.finish();

    const d = byOther(c, 2);
    expect(d.events.map((e) => e.kind)).toEqual(['granted', 'notified', 'recalled', 'returned']);
    const notified = events(d, 'notified')[0];
    expect(notified.kind === 'notified' && notified.reply?.frame).toBeGreaterThan(r.msg.record.frame);
    const cause = recallCause(d);
    if (cause.kind !== 'conflict') throw new Error(`cause ${cause.kind}`);
    expect(cause.call).toMatchObject({ op: 'SETATTR', client: clientKey(B), callFrame: sa.msg.record.frame, status: 'NFS4ERR_DELAY' });
    expect(cause.via).toBe('recent');
    expect(cause.delayed.map((x) => x.callFrame)).toEqual([sa.msg.record.frame, sa2.msg.record.frame]);
    expect(cause.retry?.callFrame).toBe(sa3.msg.record.frame);
    expect(cause.retry?.status).toBe('NFS4_OK');
    const ret2 = events(d, 'returned')[0];
    expect(ret2.kind === 'returned' && ret2.afterRecall).toBeGreaterThan(0);
    expect(d.problems).toEqual([]);
    expect(c.stats().delegations.recallToReturn.count).toBe(1);
  });

  it('a conflicting call still in flight at the recall is the cause', () => {
    const { c, w, ca, cb } = setup();
    grantDir(w, ca, SA, 'dir', 3, mask(ADD));
    const rn = w.call(cb, [seq(SB), putfh('dir'), ['SAVEFH'], putfh('dir'), ['RENAME', { oldname: 'a', newname: 'b' }]]);
    w.cbCall(ca, [cbSeq(SA), cbRecall(stateid(3), 'dir')]);
    w.reply(rn, [['SEQUENCE', 'NFS4_OK', seqRes()], ['PUTFH', 'NFS4_OK'], ['SAVEFH', 'NFS4_OK'], ['PUTFH', 'NFS4_OK'], ['RENAME', 'NFS4ERR_DELAY']]);
    c.finish();
    const cause = recallCause(byOther(c, 3));
    expect(cause.kind).toBe('conflict');
    if (cause.kind !== 'conflict') return;
    expect(cause.via).toBe('in-flight');
    expect(cause.call.op).toBe('RENAME');
    expect(cause.delayed.map((x) => x.callFrame)).toEqual([rn.msg.record.frame]);
    // never returned before the end
    expect(byOther(c, 3).problems.map((p) => p.kind)).toContain('recall-unanswered');
  });

  it('a conflicting client retrying a hundred times: 32 NFS4ERR_DELAY replies listed, the rest counted', () => {
    const { c, w, ca, cb } = setup();
    grantDir(w, ca, SA, 'dir', 5, mask(ADD));
    const remove = (): ReturnType<World['call']> => w.call(cb, [seq(SB), putfh('dir'), ['REMOVE', { target: 'x' }]]);
    const first = remove();
    w.cbCall(ca, [cbSeq(SA), cbRecall(stateid(5), 'dir')]);
    w.reply(first, [['SEQUENCE', 'NFS4_OK', seqRes()], ['PUTFH', 'NFS4_OK'], ['REMOVE', 'NFS4ERR_DELAY']]);
    for (let i = 0; i < 100; i++) w.reply(remove(), [['SEQUENCE', 'NFS4_OK', seqRes()], ['PUTFH', 'NFS4_OK'], ['REMOVE', 'NFS4ERR_DELAY']]);
    c.finish();
    const cause = recallCause(byOther(c, 5));
    if (cause.kind !== 'conflict') throw new Error(`cause ${cause.kind}`);
    expect(cause.delayed).toHaveLength(32);
    expect(cause.delayed[0].callFrame).toBe(first.msg.record.frame);
    expect(cause.delayedMore).toBe(101 - 32);
    expect(formatDelegationsText(c.delegations())).toContain(', and 69 more');
  });

  it('one client conflicting with 300 delegations at once: its latest 256 recalls follow its retries', () => {
    const { c, w, ca, cb } = setup();
    for (let i = 0; i < 300; i++) grantDir(w, ca, SA, `d${i}`, 1000 + i, mask(ADD));
    const calls = [];
    for (let i = 0; i < 300; i++) {
      const rm = w.call(cb, [seq(SB), putfh(`d${i}`), ['REMOVE', { target: 'x' }]]);
      w.cbCall(ca, [cbSeq(SA), cbRecall(stateid(1000 + i), `d${i}`)]);
      calls.push(rm);
    }
    for (const rm of calls) w.reply(rm, [['SEQUENCE', 'NFS4_OK', seqRes()], ['PUTFH', 'NFS4_OK'], ['REMOVE', 'NFS4ERR_DELAY']]);
    c.finish();
    const delayed = (i: number): number => {
      const cause = recallCause(byOther(c, 1000 + i));
      return cause.kind === 'conflict' ? cause.delayed.length : -1;
    };
    expect(delayed(299)).toBe(1);
    expect(delayed(44)).toBe(1);
    expect(delayed(43)).toBe(0); // its tracker gave way to the 300th
    expect(c.stats().drops.find(([r]) => r.startsWith('recall cause trackers dropped'))?.[1]).toBe(44);
  });

  it('CB_SEQUENCE referring call lists name the conflicting call', () => {
    const { c, w, ca, cb, cc } = setup();
    grantDir(w, ca, SA, 'dir', 4, []);
    const decoy = w.call(cc, [seq(SC, 3, 9), putfh('dir'), ['CREATE', { objtype: { type: 'NF4DIR' }, objname: 'x' }]]);
    const real = w.call(cb, [seq(SB, 5, 77), putfh('dir'), ['LINK', { newname: 'y' }]]);
    w.cbCall(ca, [cbSeq(SA, [{ sess: SB, slot: 5, seq: 77 }]), cbRecall(stateid(4), 'dir')]);
    void decoy;
    const cause = recallCause(byOther(c, 4));
    expect(cause.kind === 'conflict' && cause.via).toBe('referring-call');
    expect(cause.kind === 'conflict' && cause.call.callFrame).toBe(real.msg.record.frame);
    expect(cause.kind === 'conflict' && cause.call.op).toBe('LINK');
  });

  it('a burst of notifications before a recall with no conflicting call: overflow', () => {
    const { c, w, ca, cb } = setup();
    grantDir(w, ca, SA, 'dir', 5, mask(ADD));
    const frames: number[] = [];
    for (let i = 0; i < 4; i++) {
      const o = w.call(cb, [seq(SB, 0, 10 + i), putfh('dir'), ['OPEN', openArgs(`f${i}`, { create: true })], ['GETFH']]);
      const n = w.cbCall(ca, [cbSeq(SA), cbNotify(stateid(5), 'dir', notifyAdd(`f${i}`))]);
      frames.push(n.msg.record.frame);
      w.ok(n);
      w.ok(o, { 0: seqRes(), 2: openRes(stateid(800 + i)), 3: getfhRes(`dir/f${i}`) });
    }
    const r = w.cbCall(ca, [cbSeq(SA), cbRecall(stateid(5), 'dir')]);
    w.ok(r);
    const cause = recallCause(byOther(c, 5));
    expect(cause.kind).toBe('overflow');
    if (cause.kind !== 'overflow') return;
    expect(cause.notifyFrames).toEqual(frames);
    expect(cause.entries).toBe(4);
    // each notification was matched to its create (latency measured after the reply came)
    const d = byOther(c, 5);
    for (const e of events(d, 'notified')) {
      if (e.kind !== 'notified') continue;
      expect(e.entries[0].mutation?.op).toBe('OPEN');
      expect(e.entries[0].mutation?.replyFrame).toBeGreaterThan(e.frame);
    }
    expect(d.problems).toEqual([]);
  });

  it('a change notified to the holder (after its reply: the call is then kept only as packed ring columns) is no recall cause', () => {
    const { c, w, ca, cb } = setup();
    grantDir(w, ca, SA, 'dir', 40, mask(ADD));
    // not a notification the holder asked for: a recall is due, so it is a cause
    const rm = w.call(cb, [seq(SB, 0, 40), putfh('dir'), ['REMOVE', { target: 'old' }]]);
    w.ok(rm, { 0: seqRes() });
    w.advance(0.001);
    const open = w.call(cb, [seq(SB, 0, 41), putfh('dir'), ['OPEN', openArgs('nf', { create: true })], ['GETFH']]);
    w.ok(open, { 0: seqRes(), 2: openRes(stateid(940)), 3: getfhRes('dir/nf') });
    w.advance(0.001);
    w.ok(w.cbCall(ca, [cbSeq(SA), cbNotify(stateid(40), 'dir', notifyAdd('nf'))]));
    w.advance(0.001);
    w.ok(w.cbCall(ca, [cbSeq(SA), cbRecall(stateid(40), 'dir')]));
    const d = byOther(c, 40);
    const cause = recallCause(d);
    expect(cause.kind).toBe('conflict');
    if (cause.kind !== 'conflict') return;
    expect(cause.via).toBe('recent');
    expect(cause.call.op).toBe('REMOVE');
    expect(cause.call.callFrame).toBe(rm.msg.record.frame);
    const notified = events(d, 'notified')[0];
    expect(notified.kind === 'notified' && notified.entries[0].mutation?.callFrame).toBe(open.msg.record.frame);
  });

  it('a recall with no candidate says unknown and why', () => {
    const { c, w, ca } = setup();
    grantDir(w, ca, SA, 'dir', 6);
    w.cbCall(ca, [cbSeq(SA), cbRecall(stateid(6), 'dir')]);
    const cause = recallCause(byOther(c, 6));
    expect(cause.kind).toBe('unknown');
    expect(cause.kind === 'unknown' && cause.note).toMatch(/no conflicting call/);
  });

  it('DELEGRETURN racing CB_RECALL is a race, not an error (nor is BAD_STATEID to the recall); a recall after the return reply is flagged', () => {
    const { c, w, ca } = setup();
    grantDir(w, ca, SA, 'd1', 7);
    const ret = w.call(ca, [seq(SA), putfh('d1'), ['DELEGRETURN', { deleg_stateid: stateid(7) }]]);
    const r = w.cbCall(ca, [cbSeq(SA), cbRecall(stateid(7), 'd1')]);
    w.ok(ret);
    w.reply(r, [['CB_SEQUENCE', 'NFS4_OK'], ['CB_RECALL', 'NFS4ERR_BAD_STATEID']]);
    const d = byOther(c, 7);
    const rec = events(d, 'recalled')[0];
    expect(rec.kind === 'recalled' && rec.racedWithReturn).toBe(true);
    // "no such delegation" from the holder is the right answer in the race
    expect(d.problems).toEqual([]);
    expect(d.state).toBe('returned');

    grantDir(w, ca, SA, 'd2', 8);
    const ret2 = w.call(ca, [seq(SA), putfh('d2'), ['DELEGRETURN', { deleg_stateid: stateid(8) }]]);
    w.ok(ret2);
    w.cbCall(ca, [cbSeq(SA), cbRecall(stateid(8), 'd2')]);
    expect(byOther(c, 8).problems.map((p) => p.kind)).toContain('recall-after-return');
  });

  it('notify after return is an impossible order', () => {
    const { c, w, ca } = setup();
    w.advance(31); // past the start of the capture: every change should have been seen
    grantDir(w, ca, SA, 'dir', 9);
    w.ok(w.call(ca, [seq(SA), putfh('dir'), ['DELEGRETURN', { deleg_stateid: stateid(9) }]]));
    w.ok(w.cbCall(ca, [cbSeq(SA), cbNotify(stateid(9), 'dir', notifyAdd('late'))]));
    const kinds = byOther(c, 9).problems.map((p) => p.kind);
    expect(kinds).toContain('notify-after-return');
    expect(kinds).toContain('unmatched-notification');
  });

  it('two clients holding delegations on the same directory: each is told of the others\' changes only', () => {
    const { c, w, ca, cb, cc } = setup();
    grantDir(w, ca, SA, 'shared', 10);
    grantDir(w, cb, SB, 'shared', 11);
    // C creates: both A and B must be notified
    const o = w.call(cc, [seq(SC), putfh('shared'), ['CREATE', { objtype: { type: 'NF4DIR' }, objname: 'sub' }], ['GETFH']]);
    w.ok(o, { 0: seqRes(), 3: getfhRes('shared/sub') });
    w.ok(w.cbCall(ca, [cbSeq(SA), cbNotify(stateid(10), 'shared', notifyAdd('sub'))]));
    w.ok(w.cbCall(cb, [cbSeq(SB), cbNotify(stateid(11), 'shared', notifyAdd('sub'))]));
    // B removes: only A is told (and here, is not: missed)
    const rm = w.call(cb, [seq(SB), putfh('shared'), ['REMOVE', { target: 'gone' }]]);
    w.ok(rm, { 0: seqRes() });
    w.ok(w.call(ca, [seq(SA), putfh('shared'), ['DELEGRETURN', { deleg_stateid: stateid(10) }]]));
    w.ok(w.call(cb, [seq(SB), putfh('shared'), ['DELEGRETURN', { deleg_stateid: stateid(11) }]]));
    c.finish();
    const a = byOther(c, 10);
    const b = byOther(c, 11);
    expect(a.holder).toBe(clientKey(A));
    expect(b.holder).toBe(clientKey(B));
    expect(events(a, 'notified')).toHaveLength(1);
    expect(events(b, 'notified')).toHaveLength(1);
    expect(a.problems.map((p) => p.kind)).toEqual(['missed-notification']);
    expect(a.problems[0].message).toMatch(/REMOVE gone by 0x5f00000100000012/);
    expect(a.problems[0].frame).toBe(rm.msg.record.frame);
    expect(b.problems).toEqual([]);
  });

  it('rename out of the directory: REMOVE expected on the source, ADD on the target', () => {
    const { c, w, ca, cb } = setup();
    grantDir(w, ca, SA, 'src', 12, mask(REMOVE));
    grantDir(w, ca, SA, 'dst', 13, mask(ADD));
    const rn = w.call(cb, [seq(SB), putfh('src'), ['SAVEFH'], putfh('dst'), ['RENAME', { oldname: 'f', newname: 'g' }]]);
    w.ok(rn, { 0: seqRes() });
    w.ok(w.cbCall(ca, [cbSeq(SA), cbNotify(stateid(12), 'src', notifyRemove('f'))]));
    c.finish();
    const src = byOther(c, 12);
    const dst = byOther(c, 13);
    const n = events(src, 'notified')[0];
    expect(n.kind === 'notified' && n.entries[0].mutation?.op).toBe('RENAME');
    expect(src.problems).toEqual([]);
    expect(dst.problems.map((p) => p.kind)).toEqual(['missed-notification']);
    expect(dst.problems[0].message).toMatch(/RENAME g/);
  });

  it('an in-directory rename may be notified as RENAME or as REMOVE+ADD', () => {
    const { c, w, ca, cb } = setup();
    grantDir(w, ca, SA, 'dir', 14, mask(ADD, REMOVE, RENAME));
    w.ok(w.call(cb, [seq(SB), putfh('dir'), ['SAVEFH'], putfh('dir'), ['RENAME', { oldname: 'a', newname: 'b' }]]), { 0: seqRes() });
    w.ok(w.cbCall(ca, [cbSeq(SA), cbNotify(stateid(14), 'dir', notifyRename('a', 'b'))]));
    w.ok(w.call(cb, [seq(SB), putfh('dir'), ['SAVEFH'], putfh('dir'), ['RENAME', { oldname: 'newfile', newname: 'report.txt' }]]), { 0: seqRes() });
    w.ok(w.cbCall(ca, [cbSeq(SA), cbNotify(stateid(14), 'dir', notifyRemove('newfile'), notifyAdd('report.txt'))]));
    c.finish();
    const d = byOther(c, 14);
    expect(d.problems).toEqual([]);
    const all = events(d, 'notified').flatMap((e) => (e.kind === 'notified' ? e.entries : []));
    expect(all.map((e) => e.mutation?.op)).toEqual(['RENAME', 'RENAME', 'RENAME']);
  });

  it('SETATTR on a child (LOOKUP name; SETATTR) is matched to CHANGE_CHILD_ATTRS', () => {
    const { c, w, ca, cb } = setup();
    grantDir(w, ca, SA, 'dir', 15, mask(CHILD_ATTRS));
    w.ok(w.call(cb, [seq(SB), putfh('dir'), ['LOOKUP', { objname: 'b' }], ['SETATTR', { stateid: stateid(0, 0), obj_attributes: { attrmask: [], attr_vals: new Uint8Array(0) } }]]), { 0: seqRes() });
    w.ok(w.cbCall(ca, [cbSeq(SA), ['CB_NOTIFY', {
      cna_stateid: stateid(15), cna_fh: fh('dir'),
      cna_changes: [{ notify_mask: [1], notify_vals: new Uint8Array(0), values: [{ type: 'NOTIFY4_CHANGE_CHILD_ATTRS', value: { na_changed_entry: { ne_file: 'b', ne_attrs: { attrmask: [0x10, 2], attr_vals: new Uint8Array(0) } } } }] }],
    }]]));
    c.finish();
    const d = byOther(c, 15);
    expect(d.problems).toEqual([]);
    const e = events(d, 'notified')[0];
    expect(e.kind === 'notified' && e.entries[0]).toMatchObject({ type: 'NOTIFY4_CHANGE_CHILD_ATTRS', name: 'b', attrs: ['size', 'mode'], mutation: { op: 'SETATTR' } });
  });

  it('capture starting after the grant: the delegation is tracked from its first sighting', () => {
    const c = new Correlator();
    const w = new World(c);
    const ca = w.conn('10.0.0.1:800');
    // no EXCHANGE_ID / CREATE_SESSION / grant in the capture
    w.ok(w.cbCall(ca, [cbSeq(SA), cbNotify(stateid(20), 'dir', notifyAdd('x'))]));
    const ret = w.call(ca, [seq(SA), putfh('dir'), ['DELEGRETURN', { deleg_stateid: stateid(20) }]]);
    w.ok(ret);
    w.ok(w.call(ca, [seq(SA), putfh('f'), ['DELEGRETURN', { deleg_stateid: stateid(21) }]]));
    c.finish();
    const d = byOther(c, 20);
    expect(d.firstSeenAs).toBe('notified');
    expect(d.kind).toBe('directory');
    expect(d.holder).toBe('session:' + 'a5'.repeat(16));
    expect(d.state).toBe('returned');
    // the change notified may predate the capture: not reported as unmatched
    expect(d.problems.map((p) => p.kind)).toEqual(['first-seen-late']);
    const e = byOther(c, 21);
    expect(e.firstSeenAs).toBe('returned');
    expect(e.kind).toBe('unknown');
    expect(e.fh).toBe(fhHex('f'));
    expect(e.problems.map((p) => p.kind)).toEqual(['return-of-unknown']);
  });
});

describe('Correlator: file delegations and revocation', () => {
  it('read delegation from OPEN (fh from GETFH), recall caused by another client\'s OPEN for write', () => {
    const { c, w, ca, cb } = setup();
    const o = w.call(ca, [seq(SA), putfh('dir'), ['OPEN', openArgs('file')], ['GETFH']]);
    w.ok(o, { 0: seqRes(), 2: openRes(stateid(500), { kind: 'read', sid: stateid(30) }), 3: getfhRes('dir/file') });
    const o2 = w.call(cb, [seq(SB), putfh('dir'), ['OPEN', openArgs('file', { write: true })], ['GETFH']]);
    const r = w.cbCall(ca, [cbSeq(SA), cbRecall(stateid(30), 'dir/file')]);
    w.reply(o2, [['SEQUENCE', 'NFS4_OK', seqRes()], ['PUTFH', 'NFS4_OK'], ['OPEN', 'NFS4ERR_DELAY']]);
    w.ok(r);
    const ret = w.call(ca, [seq(SA), putfh('dir/file'), ['DELEGRETURN', { deleg_stateid: stateid(30) }]]);
    w.ok(ret);
    const o3 = w.call(cb, [seq(SB), putfh('dir'), ['OPEN', openArgs('file', { write: true })], ['GETFH']]);
    w.ok(o3, { 0: seqRes(), 2: openRes(stateid(501)), 3: getfhRes('dir/file') });
    c.finish();
    const d = byOther(c, 30);
    expect(d.kind).toBe('read');
    expect(d.fh).toBe(fhHex('dir/file'));
    expect(d.name).toBe('file');
    expect(d.events.map((e) => e.kind)).toEqual(['granted', 'recalled', 'returned']);
    expect(d.events[0].frame).toBe(o.msg.record.frame + 1);
    const cause = recallCause(d);
    if (cause.kind !== 'conflict') throw new Error(cause.kind);
    expect(cause.via).toBe('in-flight');
    expect(cause.call).toMatchObject({ op: 'OPEN', client: clientKey(B), callFrame: o2.msg.record.frame, status: 'NFS4ERR_DELAY' });
    expect(cause.retry?.callFrame).toBe(o3.msg.record.frame);
    expect(c.stats().delegations.recallCauses).toEqual({ conflict: 1 });
    expect(c.stats().delegations.lifetime.count).toBe(1);
  });

  it('NFS4ERR_DELEG_REVOKED on an op using the stateid, then FREE_STATEID; the SEQUENCE flag is a hint', () => {
    const { c, w, ca } = setup();
    const o = w.call(ca, [seq(SA), putfh('d'), ['OPEN', openArgs('f')], ['GETFH']]);
    w.ok(o, { 0: seqRes(), 2: openRes(stateid(600), { kind: 'write', sid: stateid(31) }), 3: getfhRes('d/f') });
    w.ok(w.cbCall(ca, [cbSeq(SA), cbRecall(stateid(31), 'd/f')]));
    w.advance(100);
    const s = w.call(ca, [seq(SA)]);
    w.ok(s, { 0: seqRes(0x40) });
    const rd = w.call(ca, [seq(SA), putfh('d/f'), ['READ', { stateid: stateid(31, 2), offset: 0, count: 10 }]]);
    w.reply(rd, [['SEQUENCE', 'NFS4_OK', seqRes(0x40)], ['PUTFH', 'NFS4_OK'], ['READ', 'NFS4ERR_DELEG_REVOKED']]);
    const ts = w.call(ca, [seq(SA), ['TEST_STATEID', { ts_stateids: [stateid(31)] }]]);
    w.ok(ts, { 0: seqRes(0x40), 1: { tsr_status: 'NFS4_OK', tsr_resok4: { tsr_status_codes: ['NFS4ERR_DELEG_REVOKED'] } } });
    const fr = w.call(ca, [seq(SA), ['FREE_STATEID', { fsa_stateid: stateid(31) }]]);
    w.ok(fr, { 0: seqRes() });
    c.finish();
    const d = byOther(c, 31);
    expect(d.kind).toBe('write');
    expect(d.events.map((e) => e.kind)).toEqual(['granted', 'recalled', 'revoked', 'revoked', 'tested', 'revoked', 'freed']);
    const rv = events(d, 'revoked');
    expect(rv[0]).toMatchObject({ reason: 'SEQ4_STATUS_RECALLABLE_STATE_REVOKED', certain: false });
    expect(rv[1]).toMatchObject({ reason: 'NFS4ERR_DELEG_REVOKED', op: 'READ', certain: true, frame: rd.msg.record.frame + 1 });
    expect(d.state).toBe('freed');
    // the recall timed out by capture time before the revocation
    expect(d.problems.map((p) => p.kind)).toEqual(['recall-unanswered']);
    expect(c.stats().delegations.revoked).toBe(1);
    expect(c.clientList().find((x) => x.key === clientKey(A))?.events.map((e) => e.kind)).toEqual(['recallable-state-revoked']);
  });

  it('OPEN with CLAIM_DELEG_CUR_FH is an opened-under event', () => {
    const { c, w, ca } = setup();
    const o = w.call(ca, [seq(SA), putfh('d'), ['OPEN', openArgs('f')], ['GETFH']]);
    w.ok(o, { 0: seqRes(), 2: openRes(stateid(700), { kind: 'read', sid: stateid(32) }), 3: getfhRes('d/f') });
    const o2 = w.call(ca, [seq(SA), putfh('d/f'), ['OPEN', { ...(openArgs('f') as object), claim: { claim: 'CLAIM_DELEG_CUR_FH', oc_delegate_stateid: stateid(32) } }]]);
    w.ok(o2, { 0: seqRes(), 2: openRes(stateid(701)) });
    const d = byOther(c, 32);
    expect(d.events.map((e) => e.kind)).toEqual(['granted', 'opened-under']);
    expect(d.events[1]).toMatchObject({ claim: 'CLAIM_DELEG_CUR_FH', reply: { status: 'NFS4_OK' } });
  });
});

describe('Correlator: API details and bounds', () => {
  it('a reply whose call the correlator did not see can carry it (call parameter)', () => {
    const c = new Correlator();
    const w = new World(c);
    const ca = w.conn('10.0.0.1:800');
    const h = w.call(ca, [seq(SA), putfh('dir'), ['GET_DIR_DELEGATION', gddArgs(mask(ADD))]], { feed: false });
    w.reply(h, [['SEQUENCE', 'NFS4_OK', seqRes()], ['PUTFH', 'NFS4_OK'], ['GET_DIR_DELEGATION', 'NFS4_OK', gddOk(stateid(40), mask(ADD))]], { passCall: true });
    const d = byOther(c, 40);
    expect(d.fh).toBe(fhHex('dir'));
    expect(d.events[0]).toMatchObject({ kind: 'granted', callFrame: h.msg.record.frame });
  });

  it('statistics: per op and per callback op counts and response times, per client', () => {
    const { c, w, ca, cb } = setup();
    grantDir(w, ca, SA, 'dir', 41);
    w.ok(w.cbCall(ca, [cbSeq(SA), cbNotify(stateid(41), 'dir', notifyAdd('q'))]));
    const h = w.call(cb, [seq(SB), putfh('dir'), ['REMOVE', { target: 'q' }]]);
    w.advance(0.5);
    w.reply(h, [['SEQUENCE', 'NFS4_OK', seqRes()], ['PUTFH', 'NFS4_OK'], ['REMOVE', 'NFS4ERR_NOENT']]);
    w.call(cb, [seq(SB), putfh('dir')]); // never answered
    c.finish();
    const st = c.stats();
    const rm = st.ops.find((r) => r.name === 'REMOVE');
    expect(rm).toMatchObject({ count: 1, errors: 1, unanswered: 0 });
    expect(rm?.min).toBeGreaterThan(0.5);
    const seqRow = st.ops.find((r) => r.name === 'SEQUENCE');
    expect(seqRow?.unanswered).toBe(1);
    expect(st.cbOps.find((r) => r.name === 'CB_NOTIFY')?.count).toBe(1);
    expect(st.procedures.find((r) => r.name === 'CB_COMPOUND')?.count).toBe(1);
    const perB = st.clients.find((x) => x.client === clientKey(B));
    expect(perB?.ops.find((r) => r.name === 'REMOVE')?.count).toBe(1);
    expect(st.clients.find((x) => x.client === clientKey(A))?.notifications).toBe(1);
    expect(st.delegations.notificationsPerDelegation.count).toBe(1);
  });

  it('holder view: a listing from READDIR, then an ADD of a name already listed diverges', () => {
    const { c, w, ca, cb } = setup();
    grantDir(w, ca, SA, 'dir', 42);
    const rd = w.call(ca, [seq(SA), putfh('dir'), ['READDIR', { cookie: 0, cookieverf: new Uint8Array(8), dircount: 100, maxcount: 1000, attr_request: [] }]]);
    const e2 = { cookie: 2, name: 'two', attrs: { attrmask: [], attr_vals: new Uint8Array(0) }, nextentry: null };
    const e1 = { cookie: 1, name: 'one', attrs: { attrmask: [], attr_vals: new Uint8Array(0) }, nextentry: e2 };
    w.ok(rd, { 0: seqRes(), 2: { status: 'NFS4_OK', resok4: { cookieverf: new Uint8Array(8).fill(7), reply: { entries: e1, eof: true } } } });
    w.ok(w.cbCall(ca, [cbSeq(SA), cbNotify(stateid(42), 'dir', notifyAdd('one'), notifyRemove('three'), notifyRemove('two'))]));
    const d = byOther(c, 42);
    const div = d.problems.filter((p) => p.kind === 'view-divergence').map((p) => p.message);
    expect(div).toHaveLength(2);
    expect(div[0]).toMatch(/ADD of "one"/);
    expect(div[1]).toMatch(/REMOVE of "three"/);
  });

  describe('holder listings stay bounded', () => {
    const listing = (w: World, ca: ReturnType<World['conn']>, dir: string, names: string[]): void => {
      const rd = w.call(ca, [seq(SA), putfh(dir), ['READDIR', { cookie: 0, cookieverf: new Uint8Array(8), dircount: 100, maxcount: 1000, attr_request: [] }]]);
      let entries: unknown = null;
      for (let i = names.length - 1; i >= 0; i--) entries = { cookie: i + 1, name: names[i], attrs: { attrmask: [], attr_vals: new Uint8Array(0) }, nextentry: entries };
      w.ok(rd, { 0: seqRes(), 2: { status: 'NFS4_OK', resok4: { cookieverf: new Uint8Array(8).fill(7), reply: { entries, eof: true } } } });
    };
    const divergences = (c: Correlator, n: number): number => byOther(c, n).problems.filter((p) => p.kind === 'view-divergence').length;

    it('a listing pushed out by 64 newer ones is let go of: no longer checked', () => {
      const { c, w, ca } = setup();
      for (let i = 0; i <= 64; i++) {
        grantDir(w, ca, SA, `dir${i}`, 100 + i);
        listing(w, ca, `dir${i}`, ['one']);
      }
      // dir64's listing is kept, dir0's was the least recently used: an ADD of a listed name
      // diverges only where the listing is still held
      w.ok(w.cbCall(ca, [cbSeq(SA), cbNotify(stateid(164), 'dir64', notifyAdd('one'))]));
      w.ok(w.cbCall(ca, [cbSeq(SA), cbNotify(stateid(100), 'dir0', notifyAdd('one'))]));
      expect(divergences(c, 164)).toBe(1);
      expect(divergences(c, 100)).toBe(0);
    });

    it('a listing grown by notifications past 2048 names is given up', () => {
      const { c, w, ca } = setup();
      grantDir(w, ca, SA, 'dir', 43);
      listing(w, ca, 'dir', ['one']);
      const adds = Array.from({ length: 2047 }, (_, i) => notifyAdd(`n${i}`));
      w.ok(w.cbCall(ca, [cbSeq(SA), cbNotify(stateid(43), 'dir', ...adds)]));
      w.ok(w.cbCall(ca, [cbSeq(SA), cbNotify(stateid(43), 'dir', notifyAdd('one'))]));
      expect(divergences(c, 43)).toBe(1); // 2048 names: still checked
      w.ok(w.cbCall(ca, [cbSeq(SA), cbNotify(stateid(43), 'dir', notifyAdd('one-more'), notifyAdd('one'))]));
      expect(divergences(c, 43)).toBe(1); // the 2049th name gave the listing up
    });
  });

  it('a compound of 100 REMOVEs: its first 64 changes are followed, the rest counted as not', () => {
    const { c, w, ca, cb } = setup();
    grantDir(w, ca, SA, 'dir', 46, mask(REMOVE));
    const removes: Array<[string, unknown]> = Array.from({ length: 100 }, (_, i) => ['REMOVE', { target: `f${i}` }]);
    w.ok(w.call(cb, [seq(SB), putfh('dir'), ...removes]), { 0: seqRes() });
    c.finish();
    // never notified: each followed change is a missed notification
    expect(c.stats().delegations.problems['missed-notification']).toBe(64);
    expect(c.stats().drops.find(([r]) => r.startsWith('compound with 64 changes or more'))?.[1]).toBe(1);
  });

  it('a call is found by the first 64 objects it touches, not by more', () => {
    const cause = (target: number): string => {
      const { c, w, ca, cb } = setup();
      grantDir(w, ca, SA, `d${target}`, 47, mask(ADD));
      const putfhs = Array.from({ length: 100 }, (_, i) => putfh(`d${i}`));
      // B's compound, in flight while A's delegation on d<target> is recalled
      const h = w.call(cb, [seq(SB), ...putfhs, ['REMOVE', { target: 'x' }]]);
      w.cbCall(ca, [cbSeq(SA), cbRecall(stateid(47), `d${target}`)]);
      w.ok(h, { 0: seqRes() });
      c.finish();
      return recallCause(byOther(c, 47)).kind;
    };
    expect(cause(0)).toBe('conflict');
    expect(cause(63)).toBe('conflict');
    expect(cause(99)).toBe('unknown');
  });

  it('waiting calls keep their decoded compounds up to 4 MiB of records; past it, the ops are not timed', () => {
    const { c, w, ca } = setup();
    const record = new Uint8Array(1 << 20); // each call a 1 MiB record (the data viewed: 256 KiB)
    const send = (op: string): CallHandle => {
      const h = w.call(ca, [seq(SA), [op, {}]], { feed: false });
      h.msg.record.bytes = record;
      c.onMessage(h.msg, h.nfs, undefined, 256 << 10);
      return h;
    };
    const calls = ['A1', 'A2', 'A3', 'A4', 'A5', 'A6'].map(send);
    // 768 KiB + 64 bytes each: five fit in 4 MiB, the sixth is kept without its compound
    for (const h of calls) w.reply(h, [['SEQUENCE', 'NFS4_OK', seqRes()], [h.nfs.ops[1].op, 'NFS4_OK']]);
    const st = c.stats();
    expect(['A1', 'A2', 'A3', 'A4', 'A5'].map((n) => st.ops.find((r) => r.name === n)?.count)).toEqual([1, 1, 1, 1, 1]);
    expect(st.ops.find((r) => r.name === 'A6')?.count ?? 0).toBe(0);
    expect(st.ops.find((r) => r.name === 'SEQUENCE')).toMatchObject({ count: 5, unanswered: 0 });
    expect(st.procedures.find((r) => r.name === 'COMPOUND')?.unanswered).toBe(0); // the sixth still timed as a compound
    expect(st.drops.find(([r]) => r.startsWith('calls waiting for replies past the memory budget'))?.[1]).toBe(1);
  });

  it('per-client statistics keep 64 kinds of op, the rest in one row; the overall table has them all', () => {
    const { c, w, ca } = setup();
    for (let i = 0; i < 100; i++) w.ok(w.call(ca, [seq(SA), [`X${i}`, {}]]), { 0: seqRes() });
    const st = c.stats();
    const mine = st.clients.find((x) => x.client === clientKey(A))!.ops;
    expect(mine).toHaveLength(65);
    const own = mine.filter((r) => r.name.startsWith('X')).length;
    expect(own).toBeGreaterThan(60);
    expect(mine.find((r) => r.name === 'other (beyond 64 kinds)')?.count).toBe(100 - own);
    expect(st.ops.filter((r) => r.name.startsWith('X'))).toHaveLength(100);
  });

  it('names from the wire longer than 255 characters are kept cut, still told apart', () => {
    const { c, w, ca, cb } = setup();
    grantDir(w, ca, SA, 'dir', 44);
    const long = (tail: string): string => 'x'.repeat(60_000) + tail;
    w.ok(w.call(cb, [seq(SB), putfh('dir'), ['CREATE', { objtype: { type: 'NF4DIR' }, objname: long('a') }]]), { 0: seqRes() });
    w.ok(w.cbCall(ca, [cbSeq(SA), cbNotify(stateid(44), 'dir', notifyAdd(long('a')), notifyAdd(long('b')))]));
    const notified = byOther(c, 44).events.find((e) => e.kind === 'notified');
    const entries = notified?.kind === 'notified' ? notified.entries : [];
    expect(entries.map((e) => e.name?.length ?? 0).every((n) => n <= 255)).toBe(true);
    expect(entries[0].name).toMatch(/^x+… \(60001 characters, fnv [0-9a-f]{8}\)$/);
    expect(entries[0].name).not.toBe(entries[1].name);
    // the cut name still matches the CREATE that made it; the other is unmatched
    expect(entries[0].mutation?.op).toBe('CREATE');
    expect(entries[1].mutation).toBeUndefined();
  });

  it('the stored-event budget weighs long names: entries with 2 x 200 characters of names count twice', () => {
    const run = (length: number): number => {
      const c = new Correlator({ maxStoredEvents: 7 });
      const w = new World(c);
      const ca = w.conn('10.0.0.1:800');
      establish(w, ca, A, SA, 'a');
      grantDir(w, ca, SA, 'dir', 45);
      const add = (name: string): unknown => {
        const v = notifyAdd(name) as { value: { nad_prev_entry: unknown[] } };
        v.value.nad_prev_entry = [{ pe_prev_entry: { ne_file: 'p'.repeat(length), ne_attrs: { attrmask: [], attr_vals: new Uint8Array(0) } }, pe_prev_entry_cookie: 1 }];
        return v;
      };
      // each entry: a name and a previous entry's name, both `length` characters long
      for (let k = 0; k < 2; k++) w.ok(w.cbCall(ca, [cbSeq(SA), cbNotify(stateid(45), 'dir', add(`a${k}`.padEnd(length, '.')), add(`b${k}`.padEnd(length, '.')))]));
      return byOther(c, 45).events.filter((e) => e.kind === 'notified').length;
    };
    // the grant weighs 1, a notification of two entries 3: 1 + 3 + 3 fits in 7
    expect(run(10)).toBe(2);
    // entries with 2 x 200 characters of names weigh 2 each: 1 + 5 fits, the second 5 does not
    expect(run(200)).toBe(1);
  });

  it('a million delegations do not grow memory: finished ones are retired and capped, counts stay exact', () => {
    let retired = 0;
    const c = new Correlator({ maxRetainedDelegations: 100, retireAfter: 1, onRetire: () => retired++ });
    const w = new World(c);
    const ca = w.conn('10.0.0.1:800');
    const N = 10_000;
    for (let i = 0; i < N; i++) {
      const o = w.call(ca, [seq(SA), putfh('d'), ['OPEN', openArgs(`f${i}`)], ['GETFH']]);
      w.ok(o, { 0: seqRes(), 2: openRes(stateid(i + 1_000_000), { kind: 'read', sid: stateid(i + 1) }), 3: getfhRes(`d/f${i}`) });
      const r = w.call(ca, [seq(SA), putfh(`d/f${i}`), ['DELEGRETURN', { deleg_stateid: stateid(i + 1) }]]);
      w.ok(r);
    }
    w.advance(5);
    w.call(ca, [seq(SA)]);
    const kept = c.delegations();
    expect(kept.length).toBeLessThanOrEqual(100 + 10);
    expect(retired).toBe(N);
    c.finish();
    expect(retired).toBe(N); // nothing left tracked: each record streamed exactly once
    const st = c.stats();
    expect(st.delegations.granted).toBe(N);
    expect(st.delegations.returned).toBe(N);
    expect(st.delegations.evicted).toBe(N - 100);
    expect(st.delegations.lifetime.count).toBe(N);
  });

  it('caps the number of delegations tracked at once', () => {
    const c = new Correlator({ maxActiveDelegations: 50, maxRetainedDelegations: 10 });
    const w = new World(c);
    const ca = w.conn('10.0.0.1:800');
    for (let i = 0; i < 500; i++) {
      const o = w.call(ca, [seq(SA), putfh('d'), ['OPEN', openArgs(`f${i}`)], ['GETFH']]);
      w.ok(o, { 0: seqRes(), 2: openRes(stateid(i + 1_000_000), { kind: 'read', sid: stateid(i + 1) }), 3: getfhRes(`d/f${i}`) });
    }
    const ds = c.delegations();
    expect(ds.length).toBeLessThanOrEqual(60);
    expect(c.stats().delegations.problems['tracking-evicted']).toBe(450);
  });

  it('survives ops whose decoded values have unexpected shapes', () => {
    const c = new Correlator();
    const w = new World(c);
    const ca = w.conn('10.0.0.1:800');
    const h = w.call(ca, [['SEQUENCE', 42], ['PUTFH', { object: 'not bytes' }], ['OPEN', null], ['GET_DIR_DELEGATION', []], ['RENAME', { oldname: 7 }]]);
    w.reply(h, [['SEQUENCE', 'NFS4_OK', 'x'], ['PUTFH', 'NFS4_OK', null], ['OPEN', 'NFS4_OK', { resok4: { delegation: { delegation_type: 'OPEN_DELEGATE_READ', read: { stateid: { seqid: 1, other: new Uint8Array(3) } } } } }],
      ['GET_DIR_DELEGATION', 'NFS4_OK', { gddr_res_non_fatal4: { gddrnf_status: 'GDD4_OK', gddrnf_resok4: null } }], ['RENAME', 'NFS4_OK']]);
    w.cbCall(ca, [['CB_SEQUENCE', undefined], ['CB_NOTIFY', { cna_stateid: stateid(1), cna_changes: [{ values: [null, { type: 'NOTIFY4_ADD_ENTRY', value: 3 }] }] }], ['CB_RECALL', { stateid: 5 }]]);
    c.finish();
    expect(c.stats().drops.filter(([r]) => r.startsWith('correlator error'))).toEqual([]);
    expect(c.delegations().map((d) => d.firstSeenAs)).toEqual(['notified']);
  });
});

describe('Correlator: changes that need a recall', () => {
  it('a change the holder did not ask to be notified of, with no recall after it, is reported', () => {
    const { c, w, ca, cb } = setup();
    grantDir(w, ca, SA, 'dir', 50, mask(ADD));
    const rm = w.call(cb, [seq(SB), putfh('dir'), ['REMOVE', { target: 'x' }]]);
    w.ok(rm, { 0: seqRes() });
    grantDir(w, ca, SA, 'dir2', 51, []);
    w.ok(w.call(cb, [seq(SB), putfh('dir2'), ['REMOVE', { target: 'y' }]]), { 0: seqRes() });
    w.ok(w.cbCall(ca, [cbSeq(SA), cbRecall(stateid(51), 'dir2')]));
    w.ok(w.call(ca, [seq(SA), putfh('dir2'), ['DELEGRETURN', { deleg_stateid: stateid(51) }]]));
    c.finish();
    const d = byOther(c, 50);
    expect(d.problems.map((p) => p.kind)).toEqual(['unrecalled-change']);
    expect(d.problems[0].frame).toBe(rm.msg.record.frame);
    expect(byOther(c, 51).problems).toEqual([]);
    const cause = recallCause(byOther(c, 51));
    expect(cause.kind === 'conflict' && cause.call.op).toBe('REMOVE');
  });
});

describe('Correlator: client-wide callbacks and NFSv4.0', () => {
  it('CB_RECALL_ANY reaches the holder\'s delegations of the types in its mask', () => {
    const { c, w, ca } = setup();
    grantDir(w, ca, SA, 'd1', 60);
    const o = w.call(ca, [seq(SA), putfh('d1'), ['OPEN', openArgs('f')], ['GETFH']]);
    w.ok(o, { 0: seqRes(), 2: openRes(stateid(900), { kind: 'read', sid: stateid(61) }), 3: getfhRes('d1/f') });
    const r = w.cbCall(ca, [cbSeq(SA), ['CB_RECALL_ANY', { craa_objects_to_keep: 0, craa_type_mask: mask(2) }]]);
    w.ok(r);
    expect(events(byOther(c, 60), 'recall-any')).toHaveLength(1);
    expect(events(byOther(c, 60), 'recall-any')[0]).toMatchObject({ typeMask: ['DIR_DLG'], reply: { status: 'NFS4_OK' } });
    expect(events(byOther(c, 61), 'recall-any')).toHaveLength(0);
    expect(c.clientList().find((x) => x.key === clientKey(A))?.events).toMatchObject([{ kind: 'recall-any', detail: 'DIR_DLG', frame: r.msg.record.frame }]);
  });

  it('NFSv4.0: SETCLIENTID names the client; callbacks on their own connection find it by callback_ident', () => {
    const c = new Correlator();
    const w = new World(c);
    const fore = w.conn('10.0.0.1:900');
    const sc = w.call(fore, [['SETCLIENTID', { client: { verifier: new Uint8Array(8), id: new TextEncoder().encode('linux-client') }, callback: { cb_program: 0x40000000 }, callback_ident: 7 }]], { minorversion: 0 });
    w.ok(sc, { 0: { status: 'NFS4_OK', resok4: { clientid: 0x99n, setclientid_confirm: new Uint8Array(8) } } });
    w.ok(w.call(fore, [['SETCLIENTID_CONFIRM', { clientid: 0x99n, setclientid_confirm: new Uint8Array(8) }]], { minorversion: 0 }));
    const o = w.call(fore, [putfh('d'), ['OPEN', openArgs('f', { clientid: 0x99 })], ['GETFH']], { minorversion: 0 });
    w.ok(o, { 1: openRes(stateid(900), { kind: 'read', sid: stateid(70) }), 2: getfhRes('d/f') });
    // the server calls back on a connection it opened itself
    const back = { id: 99, a: '10.0.0.1:35931', b: '10.0.0.9:961' };
    const r = w.cbCall({ ...back }, [cbRecall(stateid(70), 'd/f')], 7);
    w.ok(r);
    w.ok(w.call(fore, [putfh('d/f'), ['DELEGRETURN', { deleg_stateid: stateid(70) }]], { minorversion: 0 }));
    c.finish();
    const d = byOther(c, 70);
    expect(d.holder).toBe('0x0000000000000099');
    expect(d.events.map((e) => e.kind)).toEqual(['granted', 'recalled', 'returned']);
    expect(d.problems).toEqual([]);
    const client = c.clientList().find((x) => x.key === '0x0000000000000099');
    expect(client?.owner).toBe('linux-client');
    expect(client?.minorversion).toBe(0);
  });
});

describe('Correlator: what conflicts with a file delegation', () => {
  it('another client reading does not conflict with a read delegation, but does with a write delegation', () => {
    const { c, w, ca, cb } = setup();
    const o = w.call(ca, [seq(SA), putfh('d'), ['OPEN', openArgs('r')], ['GETFH']]);
    w.ok(o, { 0: seqRes(), 2: openRes(stateid(901), { kind: 'read', sid: stateid(80) }), 3: getfhRes('d/r') });
    const o2 = w.call(ca, [seq(SA), putfh('d'), ['OPEN', openArgs('w', { write: true })], ['GETFH']]);
    w.ok(o2, { 0: seqRes(), 2: openRes(stateid(902), { kind: 'write', sid: stateid(81) }), 3: getfhRes('d/w') });
    w.call(cb, [seq(SB), putfh('d/r'), ['GETATTR', { attr_request: [] }]]);
    w.cbCall(ca, [cbSeq(SA), cbRecall(stateid(80), 'd/r')]);
    const rd = w.call(cb, [seq(SB), putfh('d/w'), ['READ', { stateid: stateid(0, 0), offset: 0, count: 1 }]]);
    w.cbCall(ca, [cbSeq(SA), cbRecall(stateid(81), 'd/w')]);
    expect(recallCause(byOther(c, 80)).kind).toBe('unknown');
    const cause = recallCause(byOther(c, 81));
    expect(cause.kind === 'conflict' && cause.call.callFrame).toBe(rd.msg.record.frame);
  });
});

describe('Correlator: memory budget for stored events', () => {
  it('notifications beyond the budget are counted, not kept; lifecycle events are always kept', () => {
    const { c, w, ca } = setup({ maxStoredEvents: 10 });
    grantDir(w, ca, SA, 'dir', 90);
    for (let i = 0; i < 20; i++) w.ok(w.cbCall(ca, [cbSeq(SA), cbNotify(stateid(90), 'dir', notifyAdd(`n${i}`))]));
    w.ok(w.cbCall(ca, [cbSeq(SA), cbRecall(stateid(90), 'dir')]));
    const d = byOther(c, 90);
    expect(d.notifications).toBe(20);
    expect(events(d, 'notified').length).toBeLessThan(10);
    expect(d.eventsDropped).toBe(20 - events(d, 'notified').length);
    expect(d.events.map((e) => e.kind)).toContain('recalled');
    expect(d.problems.map((p) => p.kind)).toContain('events-truncated');
    expect(c.stats().drops.some(([r]) => r.startsWith('events not kept'))).toBe(true);
  });

  it('problems count against it too: past it, a delegation keeps its first 4; stats count them all', () => {
    const { c, w, ca } = setup({ maxStoredEvents: 10 });
    w.advance(31); // past notifyTimeout: unmatched notifications are judged
    grantDir(w, ca, SA, 'dir', 94);
    const ghosts = Array.from({ length: 20 }, (_, i) => notifyAdd(`ghost${i}`));
    w.ok(w.cbCall(ca, [cbSeq(SA), cbNotify(stateid(94), 'dir', ...ghosts)]));
    const d = byOther(c, 94);
    const unmatched = d.problems.filter((p) => p.kind === 'unmatched-notification').length;
    expect(unmatched).toBeGreaterThanOrEqual(3);
    expect(d.problems.length).toBeLessThan(10);
    expect(c.stats().delegations.problems['unmatched-notification']).toBe(20);
    expect(c.stats().drops.some(([r]) => r.startsWith('problems not kept'))).toBe(true);
  });

  it('any repeated event counts against it (TEST_STATEID results): past it, a delegation keeps its first 8', () => {
    const { c, w, ca } = setup({ maxStoredEvents: 10 });
    for (let n = 91; n <= 93; n++) grantDir(w, ca, SA, `dir${n}`, n);
    const sids = [stateid(91), stateid(92), stateid(93)];
    for (let i = 0; i < 20; i++) {
      w.ok(w.call(ca, [seq(SA), ['TEST_STATEID', { ts_stateids: sids }]]), { 0: seqRes(), 1: { tsr_status: 'NFS4_OK', tsr_resok4: { tsr_status_codes: ['NFS4_OK', 'NFS4_OK', 'NFS4_OK'] } } });
    }
    for (let n = 91; n <= 93; n++) {
      const d = byOther(c, n);
      expect(d.events).toHaveLength(8);
      expect(d.events[0].kind).toBe('granted');
      expect(d.eventsDropped).toBe(21 - 8);
    }
    expect(c.stats().drops.find(([r]) => r.startsWith('events not kept'))?.[1]).toBe(3 * 13);
  });
});

describe('Correlator: per-op call counts', () => {
  it('count a call while it waits for its reply, once answered, and once given up', () => {
    const { c, w, cb } = setup();
    const h = w.call(cb, [seq(SB), putfh('dir'), ['REMOVE', { target: 'q' }]]);
    const rowsOf = (): { op?: OpStatRow; client?: OpStatRow } => {
      const st = c.stats();
      return { op: st.ops.find((r) => r.name === 'REMOVE'), client: st.clients.find((x) => x.client === clientKey(B))?.ops.find((r) => r.name === 'REMOVE') };
    };
    // waiting: a call, unanswered so far (in both the op's and the client's rows)
    expect(rowsOf().op).toMatchObject({ count: 1, unanswered: 1 });
    expect(rowsOf().client).toMatchObject({ count: 1, unanswered: 1 });
    expect(rowsOf().op).toMatchObject({ count: 1, unanswered: 1 }); // stats() changes nothing
    w.reply(h, [['SEQUENCE', 'NFS4_OK', seqRes()], ['PUTFH', 'NFS4_OK'], ['REMOVE', 'NFS4_OK']]);
    expect(rowsOf().op).toMatchObject({ count: 1, unanswered: 0 });
    expect(rowsOf().client).toMatchObject({ count: 1, unanswered: 0 });
    w.call(cb, [seq(SB), putfh('dir'), ['REMOVE', { target: 'r' }]]); // never answered
    expect(rowsOf().op).toMatchObject({ count: 2, unanswered: 1 });
    w.advance(200);
    w.call(cb, [seq(SB), putfh('dir')]); // the sweep gives the REMOVE up
    expect(c.stats().drops.some(([r]) => r.startsWith('call unanswered after'))).toBe(true);
    expect(rowsOf().op).toMatchObject({ count: 2, unanswered: 1 });
    c.finish();
    expect(rowsOf().op).toMatchObject({ count: 2, unanswered: 1 });
    expect(rowsOf().client).toMatchObject({ count: 2, unanswered: 1 });
    expect(c.stats().ops.find((r) => r.name === 'PUTFH')).toMatchObject({ count: 3, unanswered: 2 });
  });
});

describe('Correlator: pending calls bound', () => {
  it('drops the oldest unanswered call when the table is full, and says so', () => {
    const c = new Correlator({ maxPendingCalls: 10 });
    const w = new World(c);
    const ca = w.conn('10.0.0.1:800');
    const calls = [];
    for (let i = 0; i < 25; i++) calls.push(w.call(ca, [seq(SA), putfh('d')]));
    w.ok(calls[24], { 0: seqRes() }); // still pending: answered normally
    w.ok(calls[0], { 0: seqRes() }); // dropped long ago: an orphan now
    const st = c.stats();
    expect(st.drops).toContainEqual(['pending call dropped (table full)', 15]);
    expect(st.drops).toContainEqual(['reply without a call (orphan)', 1]);
    expect(st.procedures.find((r) => r.name === 'COMPOUND')?.count).toBe(25);
  });
});

describe('Correlator: callback answers and object checks', () => {
  it('CB_NOTIFY answered with an error, CB_NOTIFY never answered, a CB_RECALL naming another filehandle', () => {
    const { c, w, ca } = setup();
    grantDir(w, ca, SA, 'dir', 95);
    const n1 = w.cbCall(ca, [cbSeq(SA), cbNotify(stateid(95), 'dir', notifyAdd('a'))]);
    w.reply(n1, [['CB_SEQUENCE', 'NFS4_OK'], ['CB_NOTIFY', 'NFS4ERR_DELAY']]);
    const n2 = w.cbCall(ca, [cbSeq(SA), cbNotify(stateid(95), 'dir', notifyAdd('b'))]);
    w.ok(w.cbCall(ca, [cbSeq(SA), cbRecall(stateid(95), 'elsewhere')]));
    c.finish();
    const d = byOther(c, 95);
    const kinds = d.problems.map((p) => p.kind);
    expect(kinds).toContain('notify-error');
    expect(kinds).toContain('notify-unanswered');
    expect(kinds).toContain('fh-mismatch');
    expect(d.problems.find((p) => p.kind === 'notify-unanswered')?.frame).toBe(n2.msg.record.frame);
    const e = events(d, 'notified')[0];
    expect(e.kind === 'notified' && e.reply?.status).toBe('NFS4ERR_DELAY');
  });

  it('OPEN(create) of a file that already existed (change_info unchanged) is no change to notify', () => {
    const { c, w, ca, cb } = setup();
    w.advance(31);
    grantDir(w, ca, SA, 'dir', 96);
    const o = w.call(cb, [seq(SB), putfh('dir'), ['OPEN', openArgs('exists', { create: true })], ['GETFH']]);
    w.ok(o, { 0: seqRes(), 2: openRes(stateid(903), undefined, false), 3: getfhRes('dir/exists') });
    w.ok(w.call(ca, [seq(SA), putfh('dir'), ['DELEGRETURN', { deleg_stateid: stateid(96) }]]));
    c.finish();
    expect(byOther(c, 96).problems).toEqual([]);
  });
});

describe('Correlator: calls never answered', () => {
  it('are given up after pendingTimeout of capture time; a CB_NOTIFY given up is reported', () => {
    const { c, w, ca } = setup({ pendingTimeout: 10 });
    grantDir(w, ca, SA, 'dir', 97);
    const n = w.cbCall(ca, [cbSeq(SA), cbNotify(stateid(97), 'dir', notifyAdd('z'))]);
    w.call(ca, [seq(SA), putfh('dir')]);
    w.advance(11);
    w.call(ca, [seq(SA)]);
    expect(c.stats().drops).toContainEqual(['call unanswered after 10 s (given up)', 2]);
    expect(byOther(c, 97).problems).toMatchObject([{ kind: 'notify-unanswered', frame: n.msg.record.frame }]);
  });
});

describe('Correlator: many holders of one directory', () => {
  /** `holders` clients hold directory delegations on 'big' (every third asked only for REMOVE);
   *  client B makes `changes` CREATEs there (one failing), and holder 0 is notified of each. */
  function manyHolders(holders: number, changes: number, opts: ConstructorParameters<typeof Correlator>[0] = {}) {
    const { c, w, cb } = setup(opts);
    const conns = [];
    for (let i = 0; i < holders; i++) {
      const conn = w.conn(`10.1.${i >> 8}.${i & 255}:900`);
      const sess = new Uint8Array(16).fill(0xee);
      sess[0] = i >> 8;
      sess[1] = i & 255;
      establish(w, conn, 0x7000000000000000n + BigInt(i), sess, `holder-${i}`);
      grantDir(w, conn, sess, 'big', 5000 + i, i % 3 === 2 ? mask(REMOVE) : mask(ADD, REMOVE, RENAME));
      conns.push({ conn, sess });
    }
    for (let k = 0; k < changes; k++) {
      const h = w.call(cb, [seq(SB), putfh('big'), ['CREATE', { objtype: { type: 'NF4DIR' }, objname: `n${k}` }]]);
      if (k === 1) w.reply(h, [['SEQUENCE', 'NFS4_OK', seqRes()], ['PUTFH', 'NFS4_OK'], ['CREATE', 'NFS4ERR_EXIST']]);
      else w.ok(h, { 0: seqRes() });
      w.ok(w.cbCall(conns[0].conn, [cbSeq(conns[0].sess), cbNotify(stateid(5000), 'big', notifyAdd(`n${k}`))]));
    }
    return { c, w, cb, conns };
  }

  it('each holder is judged on its own: notified, not asked (recall needed), missed; a failed change expects nothing', () => {
    const { c, w, cb } = manyHolders(30, 5);
    w.advance(31);
    w.ok(w.call(cb, [seq(SB)]), { 0: seqRes() });
    const kinds = (i: number) => byOther(c, 5000 + i).problems.map((p) => p.kind);
    expect(kinds(0)).toEqual([]);
    expect(kinds(1)).toEqual(Array(4).fill('missed-notification'));
    expect(kinds(2)).toEqual(Array(4).fill('unrecalled-change'));
    expect(byOther(c, 5001).problems.map((p) => p.message.split(' ')[1])).toEqual(['n0', 'n2', 'n3', 'n4']);
    const p = c.stats().delegations.problems;
    expect(p['missed-notification']).toBe(19 * 4);
    expect(p['unrecalled-change']).toBe(10 * 4);
    // matched to the changes, except the one whose CREATE failed
    const matched = events(byOther(c, 5000), 'notified').map((e) => e.kind === 'notified' && e.entries[0].mutation?.op);
    expect(matched).toEqual(['CREATE', undefined, 'CREATE', 'CREATE', 'CREATE']);
  });

  it('beyond 256 open expectations a holder\'s oldest is judged at once; counts stay exact for thousands of holders', () => {
    const { c } = manyHolders(1000, 300);
    c.finish();
    const p = c.stats().delegations.problems;
    // 299 changes happened; holder 0 was told of each, 666 others missed them, 333 needed a recall.
    expect(p['missed-notification']).toBe(666 * 299);
    expect(p['unrecalled-change']).toBe(333 * 299);
    expect(byOther(c, 5001).problems).toHaveLength(200); // per-record cap; the count above is complete
    expect(byOther(c, 5000).problems).toEqual([]);
  });

  it('holders waiting to be told of changes are bounded over all changes: past 1 Mi, changes are not followed', () => {
    const { c, w, cb } = manyHolders(1100, 0);
    // 1280 changes within 40 ms: none is judged (nor let go of) before the next second
    for (let k = 0; k < 20; k++) {
      const removes: Array<[string, unknown]> = Array.from({ length: 64 }, (_, i) => ['REMOVE', { target: `m${k}-${i}` }]);
      w.ok(w.call(cb, [seq(SB), putfh('big'), ...removes]), { 0: seqRes() });
    }
    c.finish();
    const p = c.stats().delegations.problems;
    const judged = (p['missed-notification'] ?? 0) + (p['unrecalled-change'] ?? 0);
    // each followed change has its 1100 holders judged (none was told)
    expect(judged % 1100).toBe(0);
    expect(judged / 1100).toBe(Math.ceil((1 << 20) / 1100));
    expect(c.stats().drops.find(([r]) => r.startsWith('changes not followed for notification'))?.[1]).toBe(1280 - judged / 1100);
  });

  it.each([
    ['the stored-event budget', { maxStoredEvents: 60 }],
    ['the per-delegation event cap', { maxEventsPerDelegation: 3 }],
  ] as Array<[string, { maxStoredEvents?: number; maxEventsPerDelegation?: number }]>)('statistics are the same whether or not records are kept (%s spent)', (_what, caps) => {
    const run = (keepRecords: boolean) => {
      const { c, w, cb, conns } = manyHolders(40, 20, { keepRecords, maxRetainedDelegations: 7, retireAfter: 1, ...caps });
      conns.forEach(({ conn, sess }, i) => w.ok(w.call(conn, [seq(sess), putfh('big'), ['DELEGRETURN', { deleg_stateid: stateid(5000 + i) }]])));
      w.advance(3);
      // a late event on a retired delegation still counts in the stored-event budget
      w.ok(w.call(conns[3].conn, [seq(conns[3].sess), putfh('big'), ['DELEGRETURN', { deleg_stateid: stateid(5003) }]]));
      manyHolderTail(w, cb);
      c.finish();
      return c;
    };
    const kept = run(true);
    const notKept = run(false);
    expect(notKept.stats()).toEqual(kept.stats());
    expect(kept.stats().delegations.evicted).toBeGreaterThan(0);
    // the cap in question was reached
    if (caps.maxEventsPerDelegation !== undefined) expect(kept.stats().delegations.problems['events-truncated']).toBeGreaterThan(0);
    else expect(kept.stats().drops.some(([r]) => r.startsWith('events not kept'))).toBe(true);
    expect(notKept.delegations().length).toBeLessThan(kept.delegations().length);
  });
});

function manyHolderTail(w: World, cb: ReturnType<World['conn']>): void {
  w.advance(2);
  w.ok(w.call(cb, [seq(SB)]), { 0: seqRes() });
}

describe('Correlator: filehandles are per server', () => {
  // Two servers handing out the same filehandle (and stateid) bytes, as replayed copies of one
  // capture do: a filehandle means something only on the server that issued it.
  const SERVER2 = '10.0.0.10:2049';
  const D = 0x5f00000100000032n;
  const SD = sessionId(0xd8);

  function twoServers() {
    const { c, w, ca, cb, cc } = setup();
    const cd = w.conn('10.0.0.4:803', SERVER2); // holder on server 2
    const cb2 = w.conn('10.0.0.2:804', SERVER2); // B also works on server 2
    establish(w, cd, D, SD, 'client-D');
    const SB2 = sessionId(0xb9);
    const ex = w.call(cb2, [['CREATE_SESSION', { csa_clientid: B, csa_sequence: 1, csa_flags: 2, csa_cb_program: 0x40000000 }]]);
    w.ok(ex, { 0: { csr_status: 'NFS4_OK', csr_resok4: { csr_sessionid: SB2, csr_sequence: 1, csr_flags: 2 } } });
    return { c, w, ca, cb, cc, cd, cb2, SB2 };
  }

  function holderOf(c: Correlator, holder: bigint): DelegationRecord {
    const d = c.delegations().find((x) => x.holder === clientKey(holder));
    if (d === undefined) throw new Error(`no delegation held by ${clientKey(holder)}`);
    return d;
  }

  it('a change on server B is no missed notification for server A\'s holder; a change on A is', () => {
    const { c, w, ca, cc, cd, cb2, SB2 } = twoServers();
    w.advance(31); // past the start of the capture
    grantDir(w, ca, SA, 'dir', 1); // server 1, client A
    grantDir(w, cd, SD, 'dir', 1); // server 2, client D: same filehandle, same stateid bytes
    // B creates in server 2's "dir": only D is told (and is)
    const create = w.call(cb2, [seq(SB2), putfh('dir'), ['CREATE', { objtype: { type: 'NF4DIR' }, objname: 'sub' }], ['GETFH']]);
    w.ok(create, { 0: seqRes(), 3: getfhRes('dir/sub') });
    w.ok(w.cbCall(cd, [cbSeq(SD), cbNotify(stateid(1), 'dir', notifyAdd('sub'))]));
    // C removes in server 1's "dir": A is not told
    const rm = w.call(cc, [seq(SC), putfh('dir'), ['REMOVE', { target: 'gone' }]]);
    w.ok(rm, { 0: seqRes() });
    w.advance(31);
    c.finish();

    const a = holderOf(c, A);
    const d = holderOf(c, D);
    expect(a.stateid?.other).toBe(otherHex(1));
    expect(d.stateid?.other).toBe(otherHex(1));
    expect(a.fh).toBe(fhHex('dir')); // shown as the plain filehandle hex
    expect(d.fh).toBe(fhHex('dir'));
    expect(a.problems.map((p) => p.kind)).toEqual(['missed-notification']);
    expect(a.problems[0].message).toMatch(/REMOVE gone by 0x5f00000100000022/);
    expect(a.problems[0].frame).toBe(rm.msg.record.frame);
    expect(d.problems).toEqual([]);
    const n = events(d, 'notified')[0];
    expect(n.kind === 'notified' && n.entries[0].mutation?.callFrame).toBe(create.msg.record.frame);
    expect(c.stats().delegations.problems['missed-notification']).toBe(1);
  });

  it('a name learned on one server does not name another server\'s object with the same filehandle', () => {
    const { c, w, ca, cc, cd } = twoServers();
    const look = w.call(cc, [seq(SC), ['PUTROOTFH'], ['LOOKUP', { objname: 'proj' }], ['GETFH']]);
    w.ok(look, { 0: seqRes(), 3: getfhRes('dir') }); // server 1: "dir" is /proj
    grantDir(w, cd, SD, 'dir', 2); // server 2
    grantDir(w, ca, SA, 'dir', 3); // server 1
    expect(byOther(c, 2).name).toBeUndefined();
    expect(byOther(c, 3).name).toBe('/proj');
  });

  it('a CB_SEQUENCE referring call is looked for among the calls to the server sending it', () => {
    const { c, w, ca, cb2 } = twoServers();
    grantDir(w, ca, SA, 'dir', 4, []); // server 1
    // server 2: the same session id bytes, slot and sequence id (a copy of server 1's traffic)
    const elsewhere = w.call(cb2, [seq(SB, 5, 77), putfh('dir'), ['LINK', { newname: 'y' }]]);
    w.cbCall(ca, [cbSeq(SA, [{ sess: SB, slot: 5, seq: 77 }]), cbRecall(stateid(4), 'dir')]);
    void elsewhere;
    expect(recallCause(byOther(c, 4)).kind).toBe('unknown');
  });

  it('a recall on server A is not caused by a call on server B with the same filehandle bytes', () => {
    const { c, w, ca, cc, cb2, SB2 } = twoServers();
    const g = w.call(ca, [seq(SA), putfh('dir'), ['OPEN', openArgs('f')], ['GETFH']]);
    w.ok(g, { 0: seqRes(), 2: openRes(stateid(500), { kind: 'read', sid: stateid(5) }), 3: getfhRes('dir/f') });
    // server 2: B opens "its" dir/f for write (same bytes), then server 1 recalls A's delegation
    const other = w.call(cb2, [seq(SB2), putfh('dir/f'), ['OPEN', { ...(openArgs('', { write: true }) as object), claim: { claim: 'CLAIM_FH' } }]]);
    w.ok(other, { 0: seqRes(), 2: openRes(stateid(600)) });
    w.ok(w.cbCall(ca, [cbSeq(SA), cbRecall(stateid(5), 'dir/f')]));
    expect(recallCause(holderOf(c, A)).kind).toBe('unknown');
    // the same call on server 1 is the cause
    const mine = w.call(cc, [seq(SC), putfh('dir/f'), ['OPEN', { ...(openArgs('', { write: true }) as object), claim: { claim: 'CLAIM_FH' } }]]);
    w.reply(mine, [['SEQUENCE', 'NFS4_OK', seqRes()], ['PUTFH', 'NFS4_OK'], ['OPEN', 'NFS4ERR_DELAY']]);
    w.ok(w.cbCall(ca, [cbSeq(SA), cbRecall(stateid(5), 'dir/f')]));
    const recalls = events(holderOf(c, A), 'recalled');
    expect(recalls).toHaveLength(2);
    const second = recalls[1];
    expect(second.kind === 'recalled' && second.cause.kind).toBe('conflict');
    expect(second.kind === 'recalled' && second.cause.kind === 'conflict' && second.cause.call.callFrame).toBe(mine.msg.record.frame);
  });
});

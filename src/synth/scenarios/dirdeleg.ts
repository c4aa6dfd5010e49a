/**
 * The bundled demo: a directory delegation with notifications of every kind, an overflow
 * recall, a conflict recall, and a refused delegation.
 *
 *  A, B: EXCHANGE_ID, CREATE_SESSION (A with CONN_BACK_CHAN, cb program 0x40000000),
 *        SEQUENCE+RECLAIM_COMPLETE.
 *  A: LOOKUP "proj" (request sent as 2 record fragments), GET_DIR_DELEGATION -> GDD4_OK with
 *     all six notification types and child/dir attribute bitmaps.
 *  B changes "proj"; after each change the server sends A CB_SEQUENCE+CB_NOTIFY:
 *     OPEN create (call written in 37-byte chunks) -> ADD with attrs, cookie, prev, last;
 *     REMOVE -> REMOVE; RENAME in the directory -> RENAME; SETATTR on a child ->
 *     CHANGE_CHILD_ATTRS (CB record in 2 fragments); LINK -> ADD; one compound REMOVE+OPEN ->
 *     one notify4 with mask REMOVE|ADD; SETATTR on the directory -> CHANGE_DIR_ATTRS;
 *     mkdir -> one CB_NOTIFY with 2 notify4: ADD + CHANGE_COOKIE_VERIFIER.
 *  Burst: B pipelines 5 creates (2 calls per TCP send); the server sends 3 CB_NOTIFYs (2 per
 *     TCP send on back-channel slots 0/1; A answers 2 in one send), then gives up and sends
 *     CB_RECALL (overflow); A returns the delegation.
 *  A gets a new directory delegation (ADD|RENAME only). B's REMOVE gets NFS4ERR_DELAY; the
 *     server CB_RECALLs (csa_referring_call_lists names B's call; written in 29-byte chunks),
 *     A DELEGRETURNs, B's retry succeeds.
 *  A asks for a delegation on "archive": GDD4_UNAVAIL.
 */
import type { ExpectedCapture } from '../expected.js';
import { DelegationTracker, changeOf, type ScenarioContext, type ScenarioDefinition } from '../kit.js';
import { SynthRun, type PendingCall } from '../nfs.js';
import * as op from '../ops.js';

const { NOTIFY, ATTR } = op;

export const DIRDELEG_DESCRIPTION =
  'Directory delegation demo: GDD4_OK with notifications, CB_NOTIFY of every type (incl. multi-bit mask, prev entry, cookie verifier), overflow recall, conflict recall with NFS4ERR_DELAY and retry, GDD4_UNAVAIL.';

export function buildDirdeleg(ctx: ScenarioContext): ExpectedCapture {
  const run = new SynthRun({ scenario: 'dirdeleg', description: DIRDELEG_DESCRIPTION, sink: ctx.sink, onMessage: ctx.onMessage });
  const A = run.client('A', { ip: '10.20.0.11', port: 871, machinename: 'client-a' });
  const B = run.client('B', { ip: '10.20.0.12', port: 944, machinename: 'client-b', uid: 1000 });
  const T0 = 1_795_000_000; // seconds of file times, close to the capture clock

  run.think(2);
  A.establish({ backChannel: true });
  run.think(1);
  B.establish();
  run.think(3);

  const dirId = 100;
  const dirFh = op.fileHandle(dirId);
  const archiveFh = op.fileHandle(200);
  const cookieverf1 = op.bytesOf(8, 0xc001);

  // A looks the directory up; the request goes out as two record-marking fragments.
  A.exchange([op.putrootfh(), op.lookup('proj'), op.getfh()], [op.ok('OP_PUTROOTFH'), op.ok('OP_LOOKUP'), op.getfhRes(dirFh)], { call: { fragments: 2 } });
  run.think(1);

  const wanted = [NOTIFY.CHANGE_CHILD_ATTRS, NOTIFY.CHANGE_DIR_ATTRS, NOTIFY.REMOVE_ENTRY, NOTIFY.ADD_ENTRY, NOTIFY.RENAME_ENTRY, NOTIFY.CHANGE_COOKIE_VERIFIER];
  const childBits = [ATTR.type, ATTR.size, ATTR.fileid, ATTR.mode, ATTR.time_modify];
  const dirBits = [ATTR.change, ATTR.time_modify];
  const sid1 = run.stateid(0xdd);
  const d1 = new DelegationTracker('A:proj#1', A, 'directory', sid1, dirFh);
  const gdd1 = A.call([op.putfh(dirFh), op.getDirDelegation({ notify: wanted, childAttrs: childBits, dirAttrs: dirBits })]);
  const gdd1r = A.reply(gdd1, [op.ok('OP_PUTFH'), op.gddOk({ cookieverf: cookieverf1, stateid: sid1, notify: wanted, childAttrs: childBits, dirAttrs: dirBits })]);
  d1.granted_(gdd1, gdd1r, wanted, wanted);
  run.think(20);

  let change = 5000;
  const ci = (): ReturnType<typeof op.changeInfo> => op.changeInfo(change++, change);
  const notifyA = (values: op.NotifyValueLike[][], opts: { fragments?: number } = {}) => {
    const cb = A.cbCall([op.cbNotify(sid1, dirFh, values.map((v) => op.notify(...v)))], opts);
    const reply = A.cbReply(cb);
    return { cb, reply };
  };
  const changeNames = (values: op.NotifyValueLike[][]) => values.map((v) => ({ mask: v.map((x) => x.type), names: op.notifyValueNames(v) }));

  // 1. OPEN create, the call written in 37-byte chunks.
  const reportId = run.fileid();
  const openSid = run.stateid(0x0b);
  const c1 = B.call([op.putfh(dirFh), op.open({ clientid: B.clientid, owner: 'open-owner-b1', name: 'report.txt', access: 'both', create: true }), op.getfh()], { chunk: 37 });
  const r1 = B.reply(c1, [op.ok('OP_PUTFH'), op.openRes({ stateid: openSid, cinfo: ci() }), op.getfhRes(op.fileHandle(reportId))]);
  const v1 = [[op.addEntry({ name: 'report.txt', attrs: op.childAttrs({ fileid: reportId, mtime: T0 + 1 }), cookie: 0x10, prev: { name: 'notes.md', cookie: 0x0c }, last: true })]];
  const n1 = notifyA(v1);
  d1.notified(n1.cb, n1.reply, changeNames(v1));
  d1.change(changeOf(c1, r1, 'ADD', ['report.txt'], 'notified', n1.cb));
  run.think(5);

  // 2. REMOVE.
  const c2 = B.call([op.putfh(dirFh), op.remove('old.log')]);
  const r2 = B.reply(c2, [op.ok('OP_PUTFH'), op.removeRes(ci())]);
  const v2 = [[op.removeEntry('old.log', 0x08)]];
  const n2 = notifyA(v2);
  d1.notified(n2.cb, n2.reply, changeNames(v2));
  d1.change(changeOf(c2, r2, 'REMOVE', ['old.log'], 'notified', n2.cb));
  run.think(5);

  // 3. RENAME inside the directory.
  const draftId = 131;
  const c3 = B.call([op.putfh(dirFh), op.savefh(), op.putfh(dirFh), op.rename('draft.txt', 'final.txt')]);
  const r3 = B.reply(c3, [op.ok('OP_PUTFH'), op.ok('OP_SAVEFH'), op.ok('OP_PUTFH'), op.renameRes(ci())]);
  const v3 = [[op.renameEntry('draft.txt', 0x04, { name: 'final.txt', attrs: op.childAttrs({ fileid: draftId, size: 2048, mtime: T0 - 600 }), cookie: 0x12, last: true })]];
  const n3 = notifyA(v3);
  d1.notified(n3.cb, n3.reply, changeNames(v3));
  d1.change(changeOf(c3, r3, 'RENAME', ['draft.txt', 'final.txt'], 'notified', n3.cb));
  run.think(5);

  // 4. SETATTR (mode) on a child; the CB_NOTIFY record goes out in 2 fragments.
  const c4 = B.call([op.putfh(dirFh), op.lookup('final.txt'), op.setattr(op.ANONYMOUS_STATEID, { mode: 0o600 })]);
  const r4 = B.reply(c4, [op.ok('OP_PUTFH'), op.ok('OP_LOOKUP'), op.setattrRes(ATTR.mode)]);
  const v4 = [[op.childAttrsChanged('final.txt', op.childAttrs({ fileid: draftId, size: 2048, mode: 0o600, mtime: T0 - 600 }))]];
  const n4 = notifyA(v4, { fragments: 2 });
  d1.notified(n4.cb, n4.reply, changeNames(v4));
  d1.change(changeOf(c4, r4, 'CHANGE_CHILD_ATTRS', ['final.txt'], 'notified', n4.cb));
  run.think(5);

  // 5. LINK report.txt -> report-link.txt.
  const c5 = B.call([op.putfh(op.fileHandle(reportId)), op.savefh(), op.putfh(dirFh), op.link('report-link.txt')]);
  const r5 = B.reply(c5, [op.ok('OP_PUTFH'), op.ok('OP_SAVEFH'), op.ok('OP_PUTFH'), op.linkRes(ci())]);
  const v5 = [[op.addEntry({ name: 'report-link.txt', attrs: op.childAttrs({ fileid: reportId, mtime: T0 + 1 }), cookie: 0x14, prev: { name: 'report.txt', cookie: 0x10 }, last: true })]];
  const n5 = notifyA(v5);
  d1.notified(n5.cb, n5.reply, changeNames(v5));
  d1.change(changeOf(c5, r5, 'ADD', ['report-link.txt'], 'notified', n5.cb));
  run.think(5);

  // 6. One compound removes cache.tmp and creates cache.new: one notify4 with REMOVE|ADD.
  const cacheId = run.fileid();
  const c6 = B.call([op.putfh(dirFh), op.remove('cache.tmp'), op.open({ clientid: B.clientid, owner: 'open-owner-b1', name: 'cache.new', access: 'write', create: true })]);
  const r6 = B.reply(c6, [op.ok('OP_PUTFH'), op.removeRes(ci()), op.openRes({ stateid: run.stateid(0x0b), cinfo: ci() })]);
  const v6 = [[op.removeEntry('cache.tmp', 0x06), op.addEntry({ name: 'cache.new', attrs: op.childAttrs({ fileid: cacheId, mtime: T0 + 2 }), cookie: 0x16, last: true })]];
  const n6 = notifyA(v6);
  d1.notified(n6.cb, n6.reply, changeNames(v6));
  d1.change(changeOf(c6, r6, 'REMOVE', ['cache.tmp'], 'notified', n6.cb));
  d1.change(changeOf(c6, r6, 'ADD', ['cache.new'], 'notified', n6.cb));
  run.think(5);

  // 7. SETATTR on the directory itself: CHANGE_DIR_ATTRS.
  const c7 = B.call([op.putfh(dirFh), op.setattr(op.ANONYMOUS_STATEID, { mode: 0o2775 })]);
  const r7 = B.reply(c7, [op.ok('OP_PUTFH'), op.setattrRes(ATTR.mode)]);
  const v7 = [[op.dirAttrsChanged(op.fattr({ change: change, time_modify: { seconds: T0 + 3, nseconds: 500_000_000 } }))]];
  const n7 = notifyA(v7);
  d1.notified(n7.cb, n7.reply, changeNames(v7));
  d1.change(changeOf(c7, r7, 'CHANGE_DIR_ATTRS', [], 'notified', n7.cb));
  run.think(5);

  // 8. mkdir build: one CB_NOTIFY with two notify4 (ADD, then CHANGE_COOKIE_VERIFIER).
  const buildId = run.fileid();
  const c8 = B.call([op.putfh(dirFh), op.mkdir('build'), op.getfh()]);
  const r8 = B.reply(c8, [op.ok('OP_PUTFH'), op.mkdirRes(ci()), op.getfhRes(op.fileHandle(buildId))]);
  const cookieverf2 = op.bytesOf(8, 0xc002);
  const v8 = [
    [op.addEntry({ name: 'build', attrs: op.childAttrs({ type: 'NF4DIR', size: 4096, fileid: buildId, mode: 0o755, mtime: T0 + 4 }), cookie: 0x18, last: true })],
    [op.cookieVerifierChanged(cookieverf1, cookieverf2)],
  ];
  const n8 = notifyA(v8);
  d1.notified(n8.cb, n8.reply, changeNames(v8));
  d1.change(changeOf(c8, r8, 'ADD', ['build'], 'notified', n8.cb));
  run.think(30);

  // Burst: 5 creates pipelined by B, two calls per TCP send (slots 0 and 1).
  const burstNames = ['out-1.o', 'out-2.o', 'out-3.o', 'out-4.o', 'out-5.o'];
  const burstIds = burstNames.map(() => run.fileid());
  const burstCalls: PendingCall[] = [];
  for (let i = 0; i < burstNames.length; i += 2) {
    const batch = burstNames.slice(i, i + 2).map((name) => [op.putfh(dirFh), op.open({ clientid: B.clientid, owner: 'open-owner-b2', name, access: 'write', create: true })]);
    burstCalls.push(...B.callMany(batch));
    run.think(0.2);
  }
  const burstReplies = burstCalls.map((c) => B.reply(c, [op.ok('OP_PUTFH'), op.openRes({ stateid: run.stateid(0x0b), cinfo: ci() })], { ack: false }));
  B.ack();
  // The server notifies the first three, two CB calls in one send on slots 0 and 1 ...
  const burstValues = burstNames.slice(0, 3).map((name, i) => [[op.addEntry({ name, attrs: op.childAttrs({ fileid: burstIds[i], mtime: T0 + 10 }), cookie: 0x20 + 2 * i, last: true })]]);
  const cbs01 = A.cbCallMany(burstValues.slice(0, 2).map((v) => [op.cbNotify(sid1, dirFh, v.map((x) => op.notify(...x)))]));
  const cbs2 = A.cbCallMany([[op.cbNotify(sid1, dirFh, burstValues[2].map((x) => op.notify(...x)))]], { slot: 2 });
  // ... A answers the first two in one send, then the third.
  const rep01 = A.cbReplyMany([[cbs01[0], undefined], [cbs01[1], undefined]]);
  const rep2 = A.cbReply(cbs2[0]);
  const burstCbs = [...cbs01, ...cbs2];
  const burstReps = [...rep01, rep2];
  burstCbs.forEach((cb, i) => {
    d1.notified(cb, burstReps[i], changeNames(burstValues[i]));
    d1.change(changeOf(burstCalls[i], burstReplies[i], 'ADD', [burstNames[i]], 'notified', cb));
  });
  // ... then gives up (queue overflow) and recalls.
  const recall1 = A.cbCall([op.cbRecall(sid1, dirFh)]);
  for (let i = 3; i < burstNames.length; i++) d1.change(changeOf(burstCalls[i], burstReplies[i], 'ADD', [burstNames[i]], 'recalled', recall1));
  const recall1r = A.cbReply(recall1);
  d1.recalled(recall1, recall1r, 'overflow');
  run.think(2);
  const ret1 = A.call([op.putfh(dirFh), op.delegreturn(sid1)]);
  const ret1r = A.reply(ret1, [op.ok('OP_PUTFH'), op.ok('OP_DELEGRETURN')]);
  d1.returned(ret1, ret1r);
  run.think(50);

  // A asks again: ADD and RENAME notifications only.
  const wanted2 = [NOTIFY.ADD_ENTRY, NOTIFY.RENAME_ENTRY];
  const sid2 = run.stateid(0xdd);
  const d2 = new DelegationTracker('A:proj#2', A, 'directory', sid2, dirFh);
  const gdd2 = A.call([op.putfh(dirFh), op.getDirDelegation({ notify: wanted2, childAttrs: childBits })]);
  const gdd2r = A.reply(gdd2, [op.ok('OP_PUTFH'), op.gddOk({ cookieverf: cookieverf2, stateid: sid2, notify: wanted2, childAttrs: childBits })]);
  d2.granted_(gdd2, gdd2r, wanted2, wanted2);
  run.think(40);

  // B's REMOVE is not covered by the notifications A asked for: NFS4ERR_DELAY and a recall
  // naming B's call; the recall is written in 29-byte chunks.
  const del = B.call([op.putfh(dirFh), op.remove('report-link.txt')]);
  const recall2 = A.cbCall([op.cbRecall(sid2, dirFh)], { referring: [del], chunk: 29 });
  const delr = B.reply(del, [op.ok('OP_PUTFH'), op.err('OP_REMOVE', 'NFS4ERR_DELAY')]);
  const recall2r = A.cbReply(recall2);
  run.think(1);
  const ret2 = A.call([op.putfh(dirFh), op.delegreturn(sid2)]);
  const ret2r = A.reply(ret2, [op.ok('OP_PUTFH'), op.ok('OP_DELEGRETURN')]);
  run.think(100);
  const retry = B.call([op.putfh(dirFh), op.remove('report-link.txt')]);
  const retryr = B.reply(retry, [op.ok('OP_PUTFH'), op.removeRes(ci())]);
  d2.recalled(recall2, recall2r, 'conflict', { conflictingCall: del.ref, retryCall: retry.ref, referringCall: true });
  d2.returned(ret2, ret2r);
  d2.change(changeOf(del, delr, 'REMOVE', ['report-link.txt'], 'recalled', recall2));
  run.think(10);

  // A second directory: the server refuses.
  const gdd3 = A.call([op.putfh(archiveFh), op.getDirDelegation({ notify: wanted2 })]);
  const gdd3r = A.reply(gdd3, [op.ok('OP_PUTFH'), op.gddUnavail(false)]);
  run.think(5);
  A.close();
  B.close();

  return run.expected({
    delegations: [d1.build(), d2.build()],
    refusals: [{ client: 'A', fh: op.hex(archiveFh), call: gdd3.ref, reply: gdd3r, reason: 'GDD4_UNAVAIL' }],
  });
}

export const dirdeleg: ScenarioDefinition = { name: 'dirdeleg', description: DIRDELEG_DESCRIPTION, build: buildDirdeleg };

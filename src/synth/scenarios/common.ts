/** Pieces shared by the correlation-test scenarios. */
import { DelegationTracker, type ScenarioContext } from '../kit.js';
import { SynthRun, type NfsClient, type PendingCall } from '../nfs.js';
import * as op from '../ops.js';

export const T0 = 1_795_000_000;

export interface Cast {
  run: SynthRun;
  A: NfsClient;
  B: NfsClient;
  /** A third client, when asked for. */
  C: NfsClient | null;
  dirFh: Uint8Array;
}

/** Server, clients A (back channel) and B (and C with a back channel), sessions set up. */
export function cast(ctx: ScenarioContext, scenario: string, description: string, opts: { third?: boolean; captureFromStart?: boolean } = {}): Cast {
  const run = new SynthRun({ scenario, description, ...ctx, captureFromStart: opts.captureFromStart });
  const A = run.client('A', { ip: '10.20.0.11', port: 871, machinename: 'client-a' });
  const B = run.client('B', { ip: '10.20.0.12', port: 944, machinename: 'client-b', uid: 1000 });
  const C = opts.third ? run.client('C', { ip: '10.20.0.13', port: 783, machinename: 'client-c', uid: 1001 }) : null;
  run.think(2);
  A.establish({ backChannel: true });
  run.think(1);
  B.establish();
  if (C) {
    run.think(1);
    C.establish({ backChannel: true });
  }
  run.think(3);
  return { run, A, B, C, dirFh: op.fileHandle(100) };
}

export interface DirGrant {
  d: DelegationTracker;
  sid: op.Stateid;
  call: PendingCall;
}

export const CHILD_BITS = [op.ATTR.type, op.ATTR.size, op.ATTR.fileid, op.ATTR.mode, op.ATTR.time_modify];

/** `holder` gets a directory delegation on `fh` with notification types `notify`. */
export function grantDir(run: SynthRun, holder: NfsClient, fh: Uint8Array, notify: number[], id: string): DirGrant {
  const sid = run.stateid(0xdd);
  const d = new DelegationTracker(id, holder, 'directory', sid, fh);
  const childAttrs = notify.length ? CHILD_BITS : [];
  const call = holder.call([op.putfh(fh), op.getDirDelegation({ notify, childAttrs })]);
  const reply = holder.reply(call, [op.ok('OP_PUTFH'), op.gddOk({ cookieverf: op.bytesOf(8, sid.other[11]), stateid: sid, notify, childAttrs })]);
  d.granted_(call, reply, notify, notify);
  run.think(10);
  return { d, sid, call };
}

/** DELEGRETURN of `sid` on `fh` by the holder, recorded in the tracker. */
export function giveBack(holder: NfsClient, d: DelegationTracker, sid: op.Stateid, fh: Uint8Array): void {
  const call = holder.call([op.putfh(fh), op.delegreturn(sid)]);
  const reply = holder.reply(call, [op.ok('OP_PUTFH'), op.ok('OP_DELEGRETURN')]);
  d.returned(call, reply);
}


/** B creates `name` in `dir` (OPEN create); returns the call and its reply. */
export function create(run: SynthRun, by: NfsClient, dir: Uint8Array, name: string) {
  const call = by.call([op.putfh(dir), op.open({ clientid: by.clientid, owner: `owner-${by.label}`, name, access: 'write', create: true })]);
  const reply = by.reply(call, [op.ok('OP_PUTFH'), op.openRes({ stateid: run.stateid(0x0b), cinfo: run.changeInfo() })]);
  return { call, reply };
}

/** ADD notification values for a new regular file. */
export function added(run: SynthRun, name: string, cookie: number): op.NotifyValueLike[][] {
  return [[op.addEntry({ name, attrs: op.childAttrs({ fileid: run.fileid(), mtime: T0 + 5 }), cookie, last: true })]];
}

export function namesOf(values: op.NotifyValueLike[][]) {
  return values.map((v) => ({ mask: v.map((x) => x.type), names: op.notifyValueNames(v) }));
}

/** CB_NOTIFY to the holder (and its reply unless `answer` is false). */
export function notifyHolder(holder: NfsClient, g: DirGrant, fh: Uint8Array, values: op.NotifyValueLike[][], answer = true) {
  const cb = holder.cbCall([op.cbNotify(g.sid, fh, values.map((v) => op.notify(...v)))]);
  const reply = answer ? holder.cbReply(cb) : null;
  if (answer) g.d.notified(cb, reply, namesOf(values));
  return { cb, reply };
}

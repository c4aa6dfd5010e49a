/**
 * A large mixed NFSv4.1 workload for benchmarks, streamed to disk: many clients (one TCP
 * connection and session each) doing GETATTR / READ / WRITE / LOOKUP / OPEN / CLOSE /
 * READDIR compounds, and every so often a directory delegation episode with notifications
 * and a recall or return.
 *
 * The hot path does not encode XDR: each (client, compound kind) is encoded once with the
 * generated encoders into a record-marked template, and each instance only patches the xid
 * and the SEQUENCE sequence id in place before the bytes go to the TCP simulator.
 */
import type { CaptureWriter } from './captureWriter.js';
import { Rng } from './clock.js';
import { encodeCompoundCall, encodeCompoundReply, SynthRun, type NfsClient } from './nfs.js';
import * as op from './ops.js';
import { encodeAcceptedReply, encodeCall, NFS_PROGRAM, NFS_V4, PROC_COMPOUND, recordMark } from './rpc.js';
import type { nfs_argop4, nfs_resop4 } from '../../dissectors/xdr/generated/nfs4.js';

export const WORKLOAD_DESCRIPTION =
  'Benchmark workload (--packets N or --bytes N): many clients doing GETATTR/READ/WRITE/LOOKUP/OPEN/CLOSE/READDIR compounds, with periodic directory delegations, CB_NOTIFYs, recalls and returns.';

export interface WorkloadOptions {
  /** Stop once about this many packets were written. */
  packets?: number;
  /** Stop once about this many bytes were written. */
  bytes?: number;
  clients?: number;
  seed?: number;
  /** Exchanges between two directory delegation episodes (default 1500). */
  delegationEvery?: number;
}

export interface WorkloadSummary {
  frames: number;
  bytes: number;
  clients: number;
  /** Fore-channel calls (each answered). */
  calls: number;
  /** Back-channel calls (each answered). */
  callbacks: number;
  delegations: number;
  notifications: number;
  recalls: number;
  returns: number;
  /** Wall-clock seconds spent generating. */
  seconds: number;
}

/** A record-marked message with the byte offsets to patch per instance. */
interface Template {
  wire: Uint8Array;
  seqOffset: number;
}

interface ExchangeTemplate {
  kind: string;
  call: Template;
  reply: Template;
}

const SENTINEL = 0x7fed_c0de;
/** Slots of the fast path (slot 0 belongs to the fully encoded calls of NfsClient). */
const FAST_SLOTS = [1, 2];

function findSentinel(b: Uint8Array, from: number): number {
  let found = -1;
  for (let i = from; i + 4 <= b.length; i += 4) {
    if (b[i] === 0x7f && b[i + 1] === 0xed && b[i + 2] === 0xc0 && b[i + 3] === 0xde) {
      if (found >= 0) throw new Error('sequence sentinel found twice in a template');
      found = i;
    }
  }
  if (found < 0) throw new Error('sequence sentinel not found in a template');
  return found;
}

function put32(b: Uint8Array, off: number, v: number): void {
  b[off] = v >>> 24;
  b[off + 1] = (v >>> 16) & 0xff;
  b[off + 2] = (v >>> 8) & 0xff;
  b[off + 3] = v & 0xff;
}

/** Builds the call and reply templates of one compound for one client. */
function exchangeTemplate(c: NfsClient, kind: string, ops: nfs_argop4[], res: nfs_resop4[], slot: number): ExchangeTemplate {
  const sess = c.sessionid!;
  const callBody = encodeCompoundCall('', [op.sequence(sess, SENTINEL, slot, 3), ...ops]);
  const callMsg = encodeCall(0, NFS_PROGRAM, NFS_V4, PROC_COMPOUND, c.rpc.cred, callBody);
  const replyBody = encodeCompoundReply('', [op.sequenceRes(sess, SENTINEL, slot, 3), ...res]);
  const replyMsg = encodeAcceptedReply(0, replyBody);
  const callWire = recordMark(callMsg);
  const replyWire = recordMark(replyMsg);
  return {
    kind,
    call: { wire: callWire, seqOffset: findSentinel(callWire, callWire.length - callBody.length) },
    reply: { wire: replyWire, seqOffset: findSentinel(replyWire, replyWire.length - replyBody.length) },
  };
}

interface FastClient {
  c: NfsClient;
  /** templates[slot index][kind] */
  templates: ExchangeTemplate[][];
  xid: number;
  /** Next sequence id per fast slot. */
  seq: number[];
  dirFh: Uint8Array;
}

function clientTemplates(run: SynthRun, c: NfsClient, i: number, slot: number): { templates: ExchangeTemplate[]; dirFh: Uint8Array } {
  const dirFh = op.fileHandle(10_000 + i);
  const fileId = 20_000 + i * 16;
  const fh = op.fileHandle(fileId);
  const openSid = { seqid: 1, other: op.bytesOf(12, 0x0b00 + i) };
  const verf = op.bytesOf(8, 0x5000 + i);
  const attrs = { type: 'NF4REG', change: 7_000_000 + i, size: 1 << 20, fileid: fileId, mode: 0o644, numlinks: 1, time_modify: { seconds: 1_795_000_000, nseconds: 0 } };
  const readData = op.bytesOf(4096, 0x9000 + i);
  const writeData = op.bytesOf(512, 0xa000 + i);
  const entries: op.DirEntry[] = [];
  for (let e = 0; e < 24; e++) entries.push({ cookie: 3 + e, name: `file-${i}-${e}.dat`, attrs: { type: 'NF4REG', fileid: fileId + 100 + e } });
  const t: ExchangeTemplate[] = [
    exchangeTemplate(c, 'GETATTR', [op.putfh(fh), op.getattr(op.ATTR.type, op.ATTR.change, op.ATTR.size, op.ATTR.fileid, op.ATTR.mode, op.ATTR.numlinks, op.ATTR.time_modify)], [op.ok('OP_PUTFH'), op.getattrRes(attrs)], slot),
    exchangeTemplate(c, 'READ', [op.putfh(fh), op.read(openSid, 0, 4096)], [op.ok('OP_PUTFH'), op.readRes(readData, false)], slot),
    exchangeTemplate(c, 'WRITE', [op.putfh(fh), op.write(openSid, 4096, writeData)], [op.ok('OP_PUTFH'), op.writeRes(512, verf)], slot),
    exchangeTemplate(c, 'LOOKUP', [op.putfh(dirFh), op.lookup(`file-${i}-3.dat`), op.getfh(), op.getattr(op.ATTR.type, op.ATTR.size, op.ATTR.fileid)], [op.ok('OP_PUTFH'), op.ok('OP_LOOKUP'), op.getfhRes(fh), op.getattrRes({ type: 'NF4REG', size: 1 << 20, fileid: fileId })], slot),
    exchangeTemplate(c, 'OPEN', [op.putfh(dirFh), op.open({ clientid: c.clientid, owner: `owner-${i}`, name: `file-${i}-3.dat`, access: 'read' }), op.getfh()], [op.ok('OP_PUTFH'), op.openRes({ stateid: openSid, cinfo: op.changeInfo(100, 100) }), op.getfhRes(fh)], slot),
    exchangeTemplate(c, 'CLOSE', [op.putfh(fh), op.close(openSid)], [op.ok('OP_PUTFH'), op.closeRes({ seqid: 2, other: openSid.other })], slot),
    exchangeTemplate(c, 'READDIR', [op.putfh(dirFh), op.readdir(0, new Uint8Array(8), op.ATTR.type, op.ATTR.fileid)], [op.ok('OP_PUTFH'), op.readdirRes(verf, entries, true)], slot),
  ];
  return { templates: t, dirFh };
}

/** Relative frequency of each template kind (same order as clientTemplates). */
const MIX = [30, 20, 12, 15, 8, 8, 7];
const MIX_TOTAL = MIX.reduce((a, b) => a + b, 0);

function pickKind(rng: Rng): number {
  let pick = rng.int(0, MIX_TOTAL - 1);
  let k = 0;
  while (pick >= MIX[k]) pick -= MIX[k++];
  return k;
}

/**
 * Streams the workload into `w` until the packet or byte budget is reached. Memory stays
 * bounded: nothing is kept per message, and the writer is drained when it asks.
 */
export async function runWorkload(w: CaptureWriter, opts: WorkloadOptions): Promise<WorkloadSummary> {
  const started = process.hrtime.bigint();
  const rng = new Rng(opts.seed ?? 20261127);
  const maxPackets = opts.packets ?? Number.POSITIVE_INFINITY;
  const maxBytes = opts.bytes ?? Number.POSITIVE_INFINITY;
  const nClients = Math.max(2, opts.clients ?? 32);
  const delegationEvery = Math.max(50, opts.delegationEvery ?? 1500);
  const run = new SynthRun({ scenario: 'workload', description: WORKLOAD_DESCRIPTION, sink: w, keepMessages: false });
  const summary: WorkloadSummary = { frames: 0, bytes: 0, clients: nClients, calls: 0, callbacks: 0, delegations: 0, notifications: 0, recalls: 0, returns: 0, seconds: 0 };

  const done = (): boolean => w.frames >= maxPackets || w.bytesWritten >= maxBytes;
  const fast: FastClient[] = [];
  for (let i = 0; i < nClients && !done(); i++) {
    const c = run.client(`C${i}`, { ip: `10.30.${(i >> 8) & 0xff}.${(i & 0xff) + 10}`, port: 51000 + i, machinename: `node${i}` });
    c.establish({ backChannel: true });
    summary.calls += 3;
    const perSlot = FAST_SLOTS.map((slot) => clientTemplates(run, c, i, slot));
    fast.push({ c, templates: perSlot.map((p) => p.templates), xid: (0x50000001 + i * 0x00100000) >>> 0, seq: FAST_SLOTS.map(() => 1), dirFh: perSlot[0].dirFh });
    run.clock.advance(rng.int(20_000, 200_000));
    if (w.backpressured) await w.drain();
  }

  let exchanges = 0;
  let episode = 0;
  const inFlight: ExchangeTemplate[] = [];
  let scratch = new Uint8Array(65536);
  const pairBytes = (a: Uint8Array, b: Uint8Array): Uint8Array => {
    if (a.length + b.length > scratch.length) scratch = new Uint8Array(2 * (a.length + b.length));
    scratch.set(a, 0);
    scratch.set(b, a.length);
    return scratch.subarray(0, a.length + b.length);
  };
  while (!done() && fast.length >= 2) {
    const fc = fast[exchanges % fast.length];
    // Mostly one call at a time; sometimes two calls (slots 1 and 2) share a segment and so
    // do their replies, as a client with several requests in flight does.
    const pair = rng.next() < 0.12;
    const n = pair ? 2 : 1;
    for (let j = 0; j < n; j++) {
      const t = fc.templates[j][pickKind(rng)];
      const xid = fc.xid;
      fc.xid = (fc.xid + 1) >>> 0;
      const seq = fc.seq[j]++;
      put32(t.call.wire, 4, xid);
      put32(t.call.wire, t.call.seqOffset, seq);
      put32(t.reply.wire, 4, xid);
      put32(t.reply.wire, t.reply.seqOffset, seq);
      inFlight[j] = t;
    }
    if (n === 1) {
      fc.c.tcp.sendFast('client', inFlight[0].call.wire);
      run.clock.advance(rng.int(40_000, 400_000));
      fc.c.tcp.sendFast('server', inFlight[0].reply.wire);
    } else {
      fc.c.tcp.sendFast('client', pairBytes(inFlight[0].call.wire, inFlight[1].call.wire));
      run.clock.advance(rng.int(40_000, 400_000));
      fc.c.tcp.sendFast('server', pairBytes(inFlight[0].reply.wire, inFlight[1].reply.wire));
      summary.calls++;
    }
    summary.calls++;
    if (rng.next() < 0.5) fc.c.tcp.ack('client');
    run.clock.advance(rng.int(2_000, 30_000));
    exchanges++;
    if (exchanges % delegationEvery === 0) {
      delegationEpisode(run, fast, episode++, rng, summary);
    }
    if (w.backpressured) await w.drain();
  }
  for (const fc of fast) fc.c.close();
  summary.frames = w.frames;
  summary.bytes = w.bytesWritten;
  summary.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return summary;
}

/** One directory delegation life on the slow (fully encoded) path. */
function delegationEpisode(run: SynthRun, fast: FastClient[], n: number, rng: Rng, s: WorkloadSummary): void {
  const holder = fast[n % fast.length];
  const other = fast[(n + 1 + rng.int(0, fast.length - 2)) % fast.length];
  const H = holder.c;
  const C = other.c;
  const dirFh = holder.dirFh;
  const sid = run.stateid(0xdd);
  const notifyBits = [op.NOTIFY.REMOVE_ENTRY, op.NOTIFY.ADD_ENTRY, op.NOTIFY.RENAME_ENTRY];
  const g = H.call([op.putfh(dirFh), op.getDirDelegation({ notify: notifyBits, childAttrs: [op.ATTR.type, op.ATTR.fileid] })]);
  H.reply(g, [op.ok('OP_PUTFH'), op.gddOk({ cookieverf: op.bytesOf(8, n), stateid: sid, notify: notifyBits, childAttrs: [op.ATTR.type, op.ATTR.fileid] })]);
  s.calls++;
  s.delegations++;
  const changes = rng.int(1, 4);
  for (let i = 0; i < changes; i++) {
    const name = `tmp-${n}-${i}`;
    const fileid = 900_000 + n * 8 + i;
    const c = C.call([op.putfh(dirFh), op.open({ clientid: C.clientid, owner: 'ep-owner', name, access: 'write', create: true })]);
    C.reply(c, [op.ok('OP_PUTFH'), op.openRes({ stateid: run.stateid(0x0b), cinfo: op.changeInfo(n * 10 + i) })]);
    s.calls++;
    if (i < 3) {
      const cb = H.cbCall([op.cbNotify(sid, dirFh, [op.notify(op.addEntry({ name, attrs: op.fattr({ type: 'NF4REG', fileid }), cookie: 100 + i, last: true }))])]);
      H.cbReply(cb);
      s.callbacks++;
      s.notifications++;
    }
  }
  const ending = n % 3;
  if (ending === 0 || changes > 3) {
    // Conflict (or overflow): recall, then return.
    const conflict = ending === 0 ? C.call([op.putfh(dirFh), op.setattr(op.ANONYMOUS_STATEID, { mode: 0o700 })]) : null;
    const rc = H.cbCall([op.cbRecall(sid, dirFh)], conflict ? { referring: [conflict] } : {});
    if (conflict) {
      C.reply(conflict, [op.ok('OP_PUTFH'), op.err('OP_SETATTR', 'NFS4ERR_DELAY')]);
      s.calls++;
    }
    H.cbReply(rc);
    s.callbacks++;
    s.recalls++;
  }
  const r = H.call([op.putfh(dirFh), op.delegreturn(sid)]);
  H.reply(r, [op.ok('OP_PUTFH'), op.ok('OP_DELEGRETURN')]);
  s.calls++;
  s.returns++;
}

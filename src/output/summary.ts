/**
 * One text line per RPC message, like tshark's default output:
 *     12    1.502345 10.0.0.1:2049 → 10.0.0.5:812 NFS V4 Reply (Call In 10) SEQUENCE PUTFH GET_DIR_DELEGATION
 * Time is seconds since the first frame (6 decimals), or the absolute UTC time on request.
 * Names from the wire are quoted and escaped for the terminal (opSummary does that).
 */
import type { FieldSource } from '../../dissectors/fields/types.js';
import { escapeForTerminal } from '../../dissectors/nfs4/json.js';
import { opSummary } from '../../dissectors/nfs4/summary.js';
import type { NfsCompound } from '../../dissectors/nfs4/types.js';
import { ByteWriter, bytesOf } from './byte-writer.js';

export interface SummaryOptions {
  /** Absolute UTC time ("2026-11-27 13:33:47.661012") instead of seconds since the first frame. */
  absoluteTime?: boolean;
}

const PROGRAM_NAMES: Record<number, string> = { 100000: 'Portmap', 100003: 'NFS', 100005: 'MOUNT', 100021: 'NLM', 100024: 'STAT' };

// The date part of the last second formatted (consecutive messages mostly share it).
let lastSec = NaN;
let lastBase = '';

function absolute(sec: number, nsec: number): string {
  if (sec !== lastSec) {
    const d = new Date(sec * 1000);
    lastBase = Number.isNaN(d.getTime()) ? String(sec) : d.toISOString().slice(0, 19).replace('T', ' ');
    lastSec = sec;
  }
  const base = lastBase;
  return `${base}.${String(Math.floor(nsec / 1000)).padStart(6, '0')}`;
}

/** "V4 Call", "V4 Reply (Call In 10)", "V1 CB_COMPOUND Call (Reply In 21)" ... */
function direction(src: FieldSource): string {
  const r = src.rpc;
  if (r.type === 'call') return src.replyFrame !== undefined ? `Call (Reply In ${src.replyFrame})` : 'Call';
  return r.callFrame !== undefined ? `Reply (Call In ${r.callFrame})` : 'Reply';
}

/** Problems of an RPC reply that carry no procedure result. */
function rpcReplyProblem(src: FieldSource): string | undefined {
  const h = src.rpc.header;
  if (!h || h.msgType !== 'reply') return undefined;
  if (h.replyStat === 'MSG_DENIED') {
    return ['MSG_DENIED', h.rejectStat, h.authStat].filter((x) => x !== undefined).join(' ');
  }
  if (h.acceptStat !== undefined && h.acceptStat !== 'SUCCESS') return h.acceptStat;
  return undefined;
}

function flags(src: FieldSource): string {
  const r = src.rpc;
  let s = '';
  if (r.duplicate) s += r.type === 'call' ? ' [retransmission]' : ' [duplicate reply]';
  if (r.orphan) s += ' [no call seen]';
  return s;
}

/** Protocol column and info text. */
export function summaryInfo(src: FieldSource): { protocol: string; info: string } {
  const info = infoText(src);
  return { protocol: lastProtocol, info };
}

/** The info text alone (no object per message). */
export function summaryInfoText(src: FieldSource): string {
  return infoText(src);
}

/** The protocol column of the message infoText last described (saves an object per line). */
let lastProtocol = '';

/** Ops' summaries separated by spaces. */
function opsText(ops: NfsCompound['ops']): string {
  let s = '';
  for (let i = 0; i < ops.length; i++) s += i === 0 ? opSummary(ops[i]) : ' ' + opSummary(ops[i]);
  return s;
}

/**
 * The malformed op's problem. Only the last op can be malformed (decoding stops there): one
 * property read instead of one per op (call and reply ops differ in shape, so each read is a
 * polymorphic look-up).
 */
function malformedOp(ops: NfsCompound['ops']): NfsCompound['malformed'] {
  return ops.length > 0 ? ops[ops.length - 1].malformed : undefined;
}

/** Info text of a message; sets lastProtocol. */
function infoText(src: FieldSource): string {
  const r = src.rpc;
  const c = src.nfs;
  const dir = direction(src);
  let protocol: string;
  let info: string;
  if (c) {
    protocol = c.program === 'NFS' ? 'NFS' : 'NFS CB';
    const v = r.version ?? (c.program === 'NFS' ? 4 : 1);
    const proc = c.procName;
    const head = proc === 'COMPOUND' ? `V${v} ${dir}` : `V${v} ${escapeForTerminal(proc)} ${dir}`;
    info = c.ops.length > 0 ? `${head} ${opsText(c.ops)}` : head;
    if (c.status !== undefined && c.status !== 'NFS4_OK') info += ` Status: ${escapeForTerminal(c.status)}`;
    const bad = c.malformed ?? malformedOp(c.ops);
    if (bad) info += ` [malformed: ${escapeForTerminal(bad.reason)} at offset ${bad.offset}]`;
  } else {
    const prog = r.program;
    const isNfs = prog === 100003;
    protocol = isNfs ? 'NFS' : prog !== undefined && prog >= 0x40000000 && prog <= 0x5fffffff ? 'NFS CB' : 'RPC';
    const isCb = protocol === 'NFS CB';
    const v4 = (isNfs && r.version === 4) || (isCb && r.version === 1);
    if (isNfs || isCb) {
      let proc = r.procedure === undefined ? '' : `Proc ${r.procedure} `;
      if (v4 && r.procedure === 0) proc = isNfs ? 'NULL ' : 'CB_NULL ';
      else if (v4 && r.procedure === 1) proc = isNfs ? '' : 'CB_COMPOUND ';
      info = `V${r.version ?? '?'} ${proc}${dir}`;
    } else {
      const name = prog === undefined ? 'Program ?' : PROGRAM_NAMES[prog] ?? `Program ${prog}`;
      const parts = [name];
      if (r.version !== undefined) parts.push(`V${r.version}`);
      if (r.procedure !== undefined) parts.push(`Proc ${r.procedure}`);
      info = `${parts.join(' ')} ${dir}`;
    }
    // Why an NFSv4 body is missing (GSS privacy, orphan reply, ...); other programs are
    // never decoded, so saying so on every line would be noise.
    if (src.undecoded !== undefined && v4) info += ` [${escapeForTerminal(src.undecoded)}]`;
  }
  const problem = rpcReplyProblem(src);
  if (problem !== undefined) info += ` ${problem}`;
  lastProtocol = protocol;
  return info + flags(src);
}

/** The summary line of one message (no trailing newline). */
export function formatSummaryLine(src: FieldSource, opts: SummaryOptions = {}): string {
  scratch.reset();
  writeSummaryLine(scratch, src, opts);
  return scratch.text();
}

/** Where formatSummaryLine builds its line. */
const scratch = new ByteWriter(256);

/**
 * Writes the summary line of one message (no trailing newline) as UTF-8 into `w`: straight
 * into the output, without building the line as a (two-byte, because of '→') string first.
 */
export function writeSummaryLine(w: ByteWriter, src: FieldSource, opts: SummaryOptions = {}): void {
  let m = w.mark();
  w.decimal(src.frame);
  w.padStart(m, 5);
  w.byte(0x20);
  if (opts.absoluteTime) {
    w.ascii(absolute(src.sec, src.nsec));
  } else {
    m = w.mark();
    w.fixed(src.relTime, 6);
    w.padStart(m, 11);
  }
  w.byte(0x20);
  writeEscaped(w, src.src);
  w.raw(ARROW);
  writeEscaped(w, src.dst);
  w.byte(0x20);
  const c = src.nfs;
  if (c !== undefined && isPlainNfsMessage(src, c)) {
    w.raw(c.program === 'NFS' ? NFS : NFS_CB);
    writePlainNfsInfo(w, src, c, utf8Text);
    return;
  }
  const info = infoText(src);
  w.ascii(lastProtocol);
  w.byte(0x20);
  w.utf8(info);
}

/**
 * Writes a piece of info text that is already escaped for the terminal: as UTF-8 (summary
 * lines) or escaped again inside a JSON string (the tree's JSON).
 */
export type InfoTextWriter = (w: ByteWriter, text: string) => void;

const utf8Text: InfoTextWriter = (w, text) => w.utf8(text);

/**
 * A message whose info text is only the version, procedure, direction, ops and status
 * (nearly all): not malformed, without RPC-level problems or flags.
 */
export function isPlainNfsMessage(src: FieldSource, c: NfsCompound): boolean {
  const r = src.rpc;
  if (c.malformed !== undefined || r.duplicate || r.orphan || malformedOp(c.ops) !== undefined) return false;
  const h = r.header;
  return h === undefined || h.msgType !== 'reply' || (h.replyStat !== 'MSG_DENIED' && (h.acceptStat === undefined || h.acceptStat === 'SUCCESS'));
}

/** ' → ' in UTF-8. */
const ARROW = bytesOf(' \xe2\x86\x92 ');
const NFS = bytesOf('NFS ');
const NFS_CB = bytesOf('NFS CB ');
const CALL = bytesOf(' Call');
const REPLY = bytesOf(' Reply');
const REPLY_IN = bytesOf(' (Reply In ');
const CALL_IN = bytesOf(' (Call In ');
const STATUS = bytesOf(' Status: ');

/**
 * The info text of a plain message (isPlainNfsMessage) as infoText words it ("V4 Call (Reply
 * In 9) SEQUENCE PUTFH GETATTR", "V1 CB_NULL Reply (Call In 4)", "... Status: NFS4ERR_NOENT"),
 * written without building it; `text` writes the pieces that come from the wire.
 */
export function writePlainNfsInfo(w: ByteWriter, src: FieldSource, c: NfsCompound, text: InfoTextWriter): void {
  const r = src.rpc;
  w.byte(0x56);
  w.decimal(r.version ?? (c.program === 'NFS' ? 4 : 1));
  if (c.procName !== 'COMPOUND') {
    w.byte(0x20);
    text(w, escapeForTerminal(c.procName));
  }
  if (r.type === 'call') {
    w.raw(CALL);
    if (src.replyFrame !== undefined) {
      w.raw(REPLY_IN);
      w.decimal(src.replyFrame);
      w.byte(0x29);
    }
  } else {
    w.raw(REPLY);
    if (r.callFrame !== undefined) {
      w.raw(CALL_IN);
      w.decimal(r.callFrame);
      w.byte(0x29);
    }
  }
  const ops = c.ops;
  for (let i = 0; i < ops.length; i++) {
    w.byte(0x20);
    text(w, opSummary(ops[i]));
  }
  if (c.status !== undefined && c.status !== 'NFS4_OK') {
    w.raw(STATUS);
    text(w, escapeForTerminal(c.status));
  }
}

/**
 * escapeForTerminal(s) as UTF-8. Printable ASCII (endpoint texts always are) is copied as
 * it is, without a string or a cached copy per connection.
 */
function writeEscaped(w: ByteWriter, s: string): void {
  const n = s.length;
  w.ensure(n);
  const buf = w.buf;
  const start = w.pos;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f || c === 0x5c) {
      // Something to escape or encode: nothing was counted as written yet.
      w.utf8(escapeForTerminal(s));
      return;
    }
    buf[start + i] = c;
  }
  w.pos = start + n;
}

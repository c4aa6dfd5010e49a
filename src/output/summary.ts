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
  writePadded(w, src.frame, 5);
  w.byte(0x20);
  if (opts.absoluteTime) w.ascii(absolute(src.sec, src.nsec));
  else writeRelativeTime(w, src.relTime);
  w.byte(0x20);
  writeEscaped(w, src.src);
  w.raw(ARROW);
  writeEscaped(w, src.dst);
  w.byte(0x20);
  const c = src.nfs;
  if (c !== undefined && isPlainNfsMessage(src, c)) {
    writePlainNfsInfo(w, src, c);
    return;
  }
  const info = infoText(src);
  w.ascii(lastProtocol);
  w.byte(0x20);
  w.utf8(info);
}

/**
 * A message whose info text is only the version, procedure, direction, ops and status
 * (nearly all): a COMPOUND or NULL of either program, not malformed, without RPC-level
 * problems or flags.
 */
function isPlainNfsMessage(src: FieldSource, c: NfsCompound): boolean {
  const r = src.rpc;
  if (!PLAIN_PROCEDURES.has(c.procName) || c.malformed !== undefined) return false;
  if (r.duplicate || r.orphan || malformedOp(c.ops) !== undefined) return false;
  const h = r.header;
  return h === undefined || h.msgType !== 'reply' || (h.replyStat !== 'MSG_DENIED' && (h.acceptStat === undefined || h.acceptStat === 'SUCCESS'));
}

/** ' → ' in UTF-8. */
const ARROW = bytesOf(' \xe2\x86\x92 ');
const NFS_V = bytesOf('NFS V');
const NFS_CB_V = bytesOf('NFS CB V');
/** Procedures named in the info text as they are (all but COMPOUND are named). */
const PLAIN_PROCEDURES = new Set(['COMPOUND', 'NULL', 'CB_NULL', 'CB_COMPOUND']);
const CALL = bytesOf('Call');
const REPLY = bytesOf('Reply');
const REPLY_IN = bytesOf(' (Reply In ');
const CALL_IN = bytesOf(' (Call In ');
const STATUS = bytesOf(' Status: ');

/** Protocol and info text of a plain message (isPlainNfsMessage), as infoText words them, without building strings. */
function writePlainNfsInfo(w: ByteWriter, src: FieldSource, c: NfsCompound): void {
  const r = src.rpc;
  const nfs = c.program === 'NFS';
  w.raw(nfs ? NFS_V : NFS_CB_V);
  writeInteger(w, r.version ?? (nfs ? 4 : 1));
  w.byte(0x20);
  if (c.procName !== 'COMPOUND') {
    w.ascii(c.procName);
    w.byte(0x20);
  }
  if (r.type === 'call') {
    w.raw(CALL);
    if (src.replyFrame !== undefined) {
      w.raw(REPLY_IN);
      writeInteger(w, src.replyFrame);
      w.byte(0x29);
    }
  } else {
    w.raw(REPLY);
    if (r.callFrame !== undefined) {
      w.raw(CALL_IN);
      writeInteger(w, r.callFrame);
      w.byte(0x29);
    }
  }
  const ops = c.ops;
  for (let i = 0; i < ops.length; i++) {
    w.byte(0x20);
    w.utf8(opSummary(ops[i]));
  }
  if (c.status !== undefined && c.status !== 'NFS4_OK') {
    w.raw(STATUS);
    writeEscaped(w, c.status);
  }
}

/** String(n), without the string for a non-negative integer. */
function writeInteger(w: ByteWriter, n: number): void {
  if (n >= 0 && n < 1e15 && Number.isInteger(n)) writeDigits(w, n, decimalDigits(n));
  else w.ascii(String(n));
}

/** String(n).padStart(width), without the strings for a non-negative integer. */
function writePadded(w: ByteWriter, n: number, width: number): void {
  if (!(n >= 0 && n < 1e15 && Number.isInteger(n))) {
    w.ascii(String(n).padStart(width));
    return;
  }
  const digits = decimalDigits(n);
  for (let i = digits; i < width; i++) w.byte(0x20);
  writeDigits(w, n, digits);
}

/** Number of decimal digits of a non-negative integer below 1e15. */
function decimalDigits(n: number): number {
  let digits = 1;
  for (let limit = 10; n >= limit && digits < 15; limit *= 10) digits++;
  return digits;
}

/** The `digits` last decimal digits of the non-negative integer n, zero-padded. */
function writeDigits(w: ByteWriter, n: number, digits: number): void {
  w.ensure(digits);
  const buf = w.buf;
  const start = w.pos;
  let p = start + digits - 1;
  // Float division for the digits above 2^31, integer division (a multiply) for the rest.
  for (; n > 0x7fffffff && p >= start; p--) {
    const q = Math.floor(n / 10);
    buf[p] = 0x30 + (n - q * 10);
    n = q;
  }
  let m = n | 0;
  for (; p >= start; p--) {
    const q = (m / 10) | 0;
    buf[p] = 0x30 + (m - q * 10);
    m = q;
  }
  w.pos = start + digits;
}

/**
 * x.toFixed(6).padStart(11) (seconds, microseconds) from integers. toFixed rounds the exact
 * value of x to the nearest microsecond (half up); x * 1e6 is within 6.2e-5 of that value
 * below 1e6 s, so rounding it gives the same microsecond unless it lies within 1e-3 of a
 * half, where toFixed itself decides.
 */
function writeRelativeTime(w: ByteWriter, x: number): void {
  if (x >= 0 && x < 1e6) {
    const scaled = x * 1e6;
    const whole = Math.floor(scaled);
    const fraction = scaled - whole;
    if (Math.abs(fraction - 0.5) > 1e-3) {
      const micros = fraction > 0.5 ? whole + 1 : whole;
      const seconds = Math.floor(micros / 1e6);
      const digits = decimalDigits(seconds);
      // "S.ffffff" is digits + 7 characters wide.
      for (let i = digits + 7; i < 11; i++) w.byte(0x20);
      writeDigits(w, seconds, digits);
      w.byte(0x2e);
      writeDigits(w, micros - seconds * 1e6, 6);
      return;
    }
  }
  w.ascii(x.toFixed(6).padStart(11));
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

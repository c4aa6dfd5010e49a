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

/** The first malformed op's problem. */
function firstMalformedOp(ops: NfsCompound['ops']): NfsCompound['malformed'] {
  for (let i = 0; i < ops.length; i++) if (ops[i].malformed) return ops[i].malformed;
  return undefined;
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
    const bad = c.malformed ?? firstMalformedOp(c.ops);
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
  const time = opts.absoluteTime ? absolute(src.sec, src.nsec) : src.relTime.toFixed(6).padStart(11);
  const info = infoText(src);
  return `${String(src.frame).padStart(5)} ${time} ${escapeForTerminal(src.src)} → ${escapeForTerminal(src.dst)} ${lastProtocol} ${info}`;
}

/**
 * Text and JSON output of the correlator's results: delegation timelines (one block per
 * delegation, events in capture order, recall causes spelled out) and statistics tables in
 * the spirit of `tshark -z rpc,srt`. Names from the wire are escaped for the terminal.
 */
import { escapeForTerminal } from '../../dissectors/nfs4/json.js';
import type {
  CallRef, ClientRecord, DelegationEvent, DelegationRecord, DistSummary, NotifyEntry, OpStatRow, RecallCause, SessionRecord,
  StatsReport,
} from './types.js';

export interface DelegationTextOptions {
  /** Times are shown relative to this (seconds since the epoch); default: the earliest first-seen time. */
  baseTime?: number;
}

function q(s: string): string {
  return `"${escapeForTerminal(s).replace(/"/g, '\\"')}"`;
}

function ms(seconds: number): string {
  const v = seconds * 1000;
  return `${Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1)} ms`;
}

function shortType(t: string): string {
  return t.replace(/^NOTIFY4_/, '');
}

function callText(c: CallRef): string {
  let s = `${c.op} by ${c.client} (call frame ${c.callFrame}`;
  if (c.replyFrame !== undefined) s += ` -> ${c.status ?? '?'} frame ${c.replyFrame}`;
  else s += ', no reply seen';
  return s + ')';
}

function causeText(c: RecallCause): string[] {
  switch (c.kind) {
    case 'conflict': {
      const how = c.via === 'referring-call' ? 'named by CB_SEQUENCE referring calls'
        : c.via === 'in-flight' ? 'in flight when the recall was sent' : 'shortly before the recall';
      const lines = [`cause: conflict - ${callText(c.call)}, ${how}`];
      if (c.delayed.length > 0) {
        const more = c.delayedMore !== undefined ? `, and ${c.delayedMore} more` : '';
        lines.push(`       NFS4ERR_DELAY to the conflicting client: ${c.delayed.map((d) => `${d.op} call ${d.callFrame} -> frame ${d.replyFrame ?? '?'}`).join(', ')}${more}`);
      }
      lines.push(c.retry !== undefined
        ? `       retry succeeded: ${c.retry.op} call ${c.retry.callFrame} -> ${c.retry.status ?? '?'} frame ${c.retry.replyFrame ?? '?'}`
        : '       no successful retry by the conflicting client seen');
      return lines;
    }
    case 'overflow': {
      const lines = [`cause: overflow - ${c.notifyCalls} CB_NOTIFY call(s) with ${c.entries} change(s) in the ${c.window} s before it (frames ${c.notifyFrames.join(', ')}), no conflicting call`];
      if (c.unnotified.length > 0) {
        lines.push(`       not yet notified when recalled: ${c.unnotified.map((u) => `${u.op}${u.name !== undefined ? ' ' + q(u.name) : ''}${u.newName !== undefined ? ' -> ' + q(u.newName) : ''} (call ${u.callFrame})`).join(', ')}`);
      }
      return lines;
    }
    case 'unknown':
      return [`cause: unknown - ${c.note}`];
  }
}

function entryText(e: NotifyEntry): string {
  let s = shortType(e.type);
  if (e.name !== undefined && e.name !== '') s += ' ' + q(e.name);
  if (e.newName !== undefined) s += ' -> ' + q(e.newName);
  if (e.replacedName !== undefined) s += ` (replacing ${q(e.replacedName)})`;
  if (e.cookie !== undefined) s += ` cookie ${e.cookie}`;
  if (e.oldCookieverf !== undefined || e.newCookieverf !== undefined) s += ` ${e.oldCookieverf ?? '?'} -> ${e.newCookieverf ?? '?'}`;
  if (e.mutation !== undefined) {
    const m = e.mutation;
    s += ` <- ${m.op} by ${m.client} (call ${m.callFrame}`;
    if (m.replyFrame !== undefined) s += `, reply ${m.replyFrame}`;
    if (m.latency !== undefined) s += m.latency < 0 ? `, notified ${ms(-m.latency)} before the reply` : `, +${ms(m.latency)}`;
    s += ')';
  }
  return s;
}

function replyText(r: { frame: number; time: number; status: string } | undefined, from: number): string {
  return r === undefined ? 'no reply seen' : `reply frame ${r.frame} ${r.status} (${ms(r.time - from)})`;
}

function eventLines(e: DelegationEvent): string[] {
  switch (e.kind) {
    case 'granted': {
      let s = `${e.op}${e.callFrame !== undefined ? ` (call frame ${e.callFrame})` : ''} to ${e.client}`;
      if (e.notificationTypes !== undefined) s += `; notifications: ${e.notificationTypes.map(shortType).join('|') || 'none (recall only)'}`;
      if (e.childAttributes !== undefined && e.childAttributes.length > 0) s += `; child attrs: ${e.childAttributes.join(',')}`;
      if (e.dirAttributes !== undefined && e.dirAttributes.length > 0) s += `; dir attrs: ${e.dirAttributes.join(',')}`;
      if (e.recall === true) s += '; recall flag set';
      return [s];
    }
    case 'unavailable':
      return [`GET_DIR_DELEGATION${e.callFrame !== undefined ? ` (call frame ${e.callFrame})` : ''} by ${e.client}: GDD4_UNAVAIL${e.willSignal === true ? ', server will signal availability' : ''}`];
    case 'notified': {
      const lines = [`CB_NOTIFY, ${e.entries.length} change(s); ${replyText(e.reply, e.time)}`];
      for (const x of e.entries) lines.push(`  ${entryText(x)}`);
      return lines;
    }
    case 'recalled':
      return [`CB_RECALL truncate=${e.truncate === true ? 'yes' : 'no'}; ${replyText(e.reply, e.time)}${e.racedWithReturn === true ? '; raced with the DELEGRETURN in flight' : ''}`, ...causeText(e.cause)];
    case 'recall-any':
      return [`CB_RECALL_ANY types ${e.typeMask.join('|')}${e.objectsToKeep !== undefined ? `, keep ${e.objectsToKeep}` : ''}; ${replyText(e.reply, e.time)}`];
    case 'returned':
      return [`DELEGRETURN; ${replyText(e.reply, e.time)}${e.afterRecall !== undefined ? `; ${ms(e.afterRecall)} after the recall` : ''}`];
    case 'revoked':
      return [`${e.certain ? 'revoked' : 'possibly revoked'}: ${e.reason}${e.op !== undefined ? ` (${e.op})` : ''}`];
    case 'freed':
      return [`FREE_STATEID; ${replyText(e.reply, e.time)}`];
    case 'tested':
      return [`TEST_STATEID -> ${e.status}`];
    case 'opened-under':
      return [`OPEN ${e.claim} under the delegation; ${replyText(e.reply, e.time)}`];
    case 'cb-getattr':
      return [`CB_GETATTR; ${replyText(e.reply, e.time)}`];
  }
}

/** One block per delegation: header, events in frame order, problems. */
export function formatDelegationsText(records: readonly DelegationRecord[], opts: DelegationTextOptions = {}): string {
  return [...delegationsTextPieces(records, opts)].join('');
}

/** formatDelegationsText() a piece at a time: a delegation's header, each of its events,
 *  its problems (the whole text of a big capture is megabytes, and one delegation with
 *  hundreds of thousands of notified changes tens of them: a command streams it instead of
 *  holding it, and its lines, at once). */
export function* delegationsTextPieces(records: readonly DelegationRecord[], opts: DelegationTextOptions = {}): Generator<string> {
  if (records.length === 0) {
    yield 'No delegations seen.\n';
    return;
  }
  let base = opts.baseTime;
  if (base === undefined) for (const r of records) if (base === undefined || r.firstTime < base) base = r.firstTime;
  const b = base ?? 0;
  for (let i = 0; i < records.length; i++) {
    for (const lines of delegationLineGroups(records[i], b)) yield lines.join('\n') + '\n';
    // Blocks are separated by an empty line.
    if (i < records.length - 1) yield '\n';
  }
}

/** A delegation's lines in groups: header, then one group per event, then its problems. */
function* delegationLineGroups(d: DelegationRecord, b: number): Generator<string[]> {
  const out: string[] = [];
  const sid = d.stateid === undefined ? 'no stateid' : `stateid ${d.stateid.other} (seqid ${d.stateid.seqid})`;
  out.push(`Delegation #${d.id}  ${d.kind}  ${sid}  ${d.name !== undefined ? q(d.name) : '(name unknown)'}`);
  const holder = d.holder === undefined ? 'unknown' : d.holder + (d.holderAddress !== undefined ? ` (${d.holderAddress})` : '');
  out.push(`  fh ${d.fh ?? 'unknown'}  holder ${holder}  state ${d.state}${d.firstSeenAs !== 'granted' && d.firstSeenAs !== 'unavailable' ? `  first seen at ${d.firstSeenAs}` : ''}`);
  const figures: string[] = [];
  if (d.kind === 'directory' && d.stateid !== undefined) figures.push(`${d.notifications} CB_NOTIFY (${d.notifiedChanges} changes)`);
  if (d.recallToReturn !== undefined) figures.push(`recall->return ${ms(d.recallToReturn)}`);
  if (d.lifetime !== undefined) figures.push(`held ${d.lifetime.toFixed(3)} s`);
  if (figures.length > 0) out.push(`  ${figures.join(', ')}`);
  yield out;
  for (const e of eventsInFrameOrder(d)) {
    const lines = eventLines(e);
    const head = `  frame ${String(e.frame).padStart(7)}  +${(e.time - b).toFixed(6)}s  ${e.kind.padEnd(12)} `;
    const group = [head + lines[0]];
    const pad = ' '.repeat(head.length);
    for (let k = 1; k < lines.length; k++) group.push(pad + lines[k]);
    yield group;
  }
  const tail: string[] = [];
  if (d.eventsDropped > 0) tail.push(`  (${d.eventsDropped} more events not kept)`);
  if (d.problems.length > 0) {
    tail.push('  problems:');
    for (const p of d.problems) tail.push(`    ! ${p.kind}${p.frame !== undefined ? ` (frame ${p.frame})` : ''}: ${escapeForTerminal(p.message)}`);
  }
  if (tail.length > 0) yield tail;
}

function eventsInFrameOrder(d: DelegationRecord): DelegationEvent[] {
  return [...d.events].sort((x, y) => x.frame - y.frame);
}

function num(v: number): string {
  return v.toFixed(6);
}

function srtTable(title: string, rows: readonly OpStatRow[]): string[] {
  const out = [title, `${'Name'.padEnd(24)} ${'Calls'.padStart(8)} ${'Errors'.padStart(7)} ${'Unans.'.padStart(7)}  ${'Min SRT'.padStart(10)} ${'Mean SRT'.padStart(10)} ${'p50 SRT'.padStart(10)} ${'p99 SRT'.padStart(10)} ${'Max SRT'.padStart(10)}`];
  for (const r of rows) {
    out.push(`${escapeForTerminal(r.name).padEnd(24)} ${String(r.count).padStart(8)} ${String(r.errors).padStart(7)} ${String(r.unanswered).padStart(7)}  ${num(r.min).padStart(10)} ${num(r.mean).padStart(10)} ${num(r.p50).padStart(10)} ${num(r.p99).padStart(10)} ${num(r.max).padStart(10)}`);
  }
  if (rows.length === 0) out.push('  (none)');
  return out;
}

function distLine(label: string, d: DistSummary, unit: string): string {
  if (d.count === 0) return `  ${label.padEnd(28)} (none)`;
  const f = unit === 's' ? num : (v: number) => v.toFixed(2);
  return `  ${label.padEnd(28)} n=${d.count}  min ${f(d.min)}  mean ${f(d.mean)}  p50 ${f(d.p50)}  p99 ${f(d.p99)}  max ${f(d.max)}${unit === 's' ? ' s' : ''}`;
}

function counts(r: Record<string, number>): string {
  const e = Object.entries(r);
  return e.length === 0 ? 'none' : e.sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
}

/** Statistics: SRT per op / callback op / procedure, delegation figures, per-client table. */
export function formatStatsText(s: StatsReport): string {
  const rule = '='.repeat(118);
  const out: string[] = [rule, 'NFSv4 service response time statistics (seconds; an op is timed by the COMPOUND that carried it)'];
  if (s.firstTime !== undefined && s.lastTime !== undefined) out.push(`RPC messages: ${s.messages}, capture time ${(s.lastTime - s.firstTime).toFixed(3)} s`);
  out.push(rule, ...srtTable('Procedures', s.procedures), '', ...srtTable('Operations', s.ops), '', ...srtTable('Callback operations', s.cbOps), rule);
  const d = s.delegations;
  out.push('Delegations');
  out.push(`  seen ${d.seen} (${counts(d.byKind)}); granted ${d.granted}, recalled ${d.recalled}, returned ${d.returned}, revoked ${d.revoked}, GDD4_UNAVAIL ${d.unavailable}`);
  out.push(`  recall causes: ${counts(d.recallCauses)}`);
  out.push(distLine('lifetime (grant -> return)', d.lifetime, 's'));
  out.push(distLine('recall -> DELEGRETURN', d.recallToReturn, 's'));
  out.push(distLine('change -> CB_NOTIFY', d.notifyLatency, 's'));
  out.push(distLine('CB_NOTIFYs per dir delegation', d.notificationsPerDelegation, 'n'));
  out.push(`  problems: ${counts(d.problems)}`);
  if (d.evicted > 0) out.push(`  ${d.evicted} finished delegation record(s) dropped from memory (still counted)`);
  out.push(rule, 'Clients');
  out.push(`  ${'Client'.padEnd(40)} ${'Calls'.padStart(8)} ${'Granted'.padStart(8)} ${'Recalls'.padStart(8)} ${'Returns'.padStart(8)} ${'Notifies'.padStart(9)}`);
  for (const c of s.clients) {
    out.push(`  ${escapeForTerminal(c.client).padEnd(40)} ${String(c.calls).padStart(8)} ${String(c.delegationsGranted).padStart(8)} ${String(c.recalls).padStart(8)} ${String(c.returns).padStart(8)} ${String(c.notifications).padStart(9)}`);
  }
  if (s.clients.length === 0) out.push('  (none)');
  if (s.drops.length > 0) {
    out.push(rule, 'Not analysed');
    for (const [r, n] of s.drops) out.push(`  ${String(n).padStart(8)}  ${escapeForTerminal(r)}`);
  }
  out.push(rule);
  return out.join('\n') + '\n';
}

// ------------------------------------------------------------------------------ JSON

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A value made of plain data (no bigint / typed arrays / undefined) as JSON. */
function plain(v: unknown): Json {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object') {
    const o: { [k: string]: Json } = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) o[k] = plain(x);
    return o;
  }
  return String(v);
}

/** A delegation's JSON fields before its events, in output order. */
function delegationHead(d: DelegationRecord) {
  return {
    id: d.id, stateid: d.stateid ?? null, kind: d.kind, state: d.state, fh: d.fh ?? null, name: d.name ?? null,
    holder: d.holder ?? null, holderAddress: d.holderAddress, firstFrame: d.firstFrame, firstTime: d.firstTime,
    firstSeenAs: d.firstSeenAs, notificationTypes: d.notificationTypes, notifications: d.notifications,
    notifiedChanges: d.notifiedChanges, recallToReturn: d.recallToReturn, lifetime: d.lifetime,
  };
}

/** A delegation's JSON fields after its events. */
function delegationTail(d: DelegationRecord) {
  return { problems: d.problems, eventsDropped: d.eventsDropped };
}

/** One delegation as JSON: {stateid, kind, state, fh, name, holder, events, problems, ...}. */
export function delegationToJson(d: DelegationRecord): Json {
  return plain({ ...delegationHead(d), events: eventsInFrameOrder(d), ...delegationTail(d) });
}

/** `deleg --json`: the array of delegations. */
export function delegationsToJson(records: readonly DelegationRecord[]): Json {
  return records.map(delegationToJson);
}

/** JSON.stringify(delegationsToJson(records), null, 1) a piece at a time: the same text (an
 *  array element is its own one-space-indented text, shifted one space deeper; JSON strings
 *  hold no raw newline), each event its own piece (see delegationsTextPieces). */
export function* delegationsJsonPieces(records: readonly DelegationRecord[]): Generator<string> {
  if (records.length === 0) {
    yield '[]';
    return;
  }
  yield '[\n';
  for (let i = 0; i < records.length; i++) {
    yield* delegationJsonPieces(records[i]);
    yield i < records.length - 1 ? ',\n' : '\n]';
  }
}

/** ' ' + JSON.stringify(delegationToJson(d), null, 1) shifted one space deeper, in pieces. */
function* delegationJsonPieces(d: DelegationRecord): Generator<string> {
  const shift = (t: string): string => t.replace(/\n/g, '\n ');
  const head = JSON.stringify(plain(delegationHead(d)), null, 1); // "{\n ...\n}"
  const tail = JSON.stringify(plain(delegationTail(d)), null, 1);
  const events = eventsInFrameOrder(d);
  let piece = ' ' + shift(`${head.slice(0, -2)},\n "events": ${events.length === 0 ? '[]' : '['}`);
  for (let k = 0; k < events.length; k++) {
    // an element of the events array: two spaces deep
    piece += shift((k === 0 ? '\n  ' : ',\n  ') + JSON.stringify(plain(events[k]), null, 1).replace(/\n/g, '\n  '));
    yield piece;
    piece = '';
  }
  if (events.length > 0) piece += shift('\n ]');
  yield piece + shift(`,\n${tail.slice(2)}`);
}

export function statsToJson(s: StatsReport): Json {
  return plain(s);
}

export function clientsToJson(clients: readonly ClientRecord[], sessions: readonly SessionRecord[]): Json {
  return plain({ clients, sessions });
}

/**
 * Hostile decoded values: random shapes in every field the correlator reads must neither
 * throw (the safety net in onMessage counts 'correlator error' drops: there must be none)
 * nor grow its tables past their caps.
 */
import { describe, expect, it } from 'vitest';
import { Correlator } from './correlator.js';
import { World, sessionId, stateid, type OpSpec, type ResSpec } from './testkit.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

const OPS = ['SEQUENCE', 'PUTFH', 'PUTROOTFH', 'LOOKUP', 'GETFH', 'OPEN', 'CREATE', 'REMOVE', 'RENAME', 'LINK', 'SETATTR', 'SAVEFH',
  'RESTOREFH', 'DELEGRETURN', 'GET_DIR_DELEGATION', 'WANT_DELEGATION', 'FREE_STATEID', 'TEST_STATEID', 'READDIR', 'EXCHANGE_ID',
  'CREATE_SESSION', 'BIND_CONN_TO_SESSION', 'DESTROY_SESSION', 'SETCLIENTID', 'READ', 'WRITE'];
const CB_OPS = ['CB_SEQUENCE', 'CB_RECALL', 'CB_NOTIFY', 'CB_RECALL_ANY', 'CB_PUSH_DELEG', 'CB_GETATTR'];
const FIELDS = ['object', 'objname', 'target', 'oldname', 'newname', 'claim', 'file', 'openhow', 'opentype', 'share_access',
  'deleg_stateid', 'stateid', 'sa_sessionid', 'csa_sessionid', 'cna_stateid', 'cna_fh', 'cna_changes', 'values', 'type', 'value',
  'resok4', 'delegation', 'delegation_type', 'read', 'write', 'gddr_res_non_fatal4', 'gddrnf_status', 'gddrnf_resok4',
  'gddr_stateid', 'gddr_notification', 'ts_stateids', 'tsr_resok4', 'tsr_status_codes', 'reply', 'entries', 'nextentry', 'name',
  'cookie', 'eof', 'nad_new_entry', 'ne_file', 'nrm_old_entry', 'csa_referring_call_lists', 'rcl_referring_calls', 'eir_resok4',
  'eir_clientid', 'csr_resok4', 'csr_sessionid', 'fh', 'truncate', 'craa_type_mask', 'cinfo', 'before', 'after', 'sr_resok4', 'sr_status_flags'];

function value(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 3 ? 7 : 10));
  switch (k) {
    case 0: return undefined;
    case 1: return null;
    case 2: return Math.floor(r() * 5);
    case 3: return ['x', '', 'a/b', '\u0000\u001b', 'NFS4_OK', 'GDD4_OK', 'OPEN_DELEGATE_READ', 'CLAIM_NULL', 'OPEN4_CREATE', 'NOTIFY4_ADD_ENTRY'][Math.floor(r() * 10)];
    case 4: return r() < 0.5 ? stateid(Math.floor(r() * 4)) : { seqid: 'x', other: new Uint8Array(3) };
    case 5: return new Uint8Array(Math.floor(r() * 20)).fill(Math.floor(r() * 4));
    case 6: return r() < 0.5;
    case 7: return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      const n = Math.floor(r() * 5);
      for (let i = 0; i < n; i++) o[FIELDS[Math.floor(r() * FIELDS.length)]] = value(r, depth + 1);
      return o;
    }
  }
}

/** Well-formed values for some ops, so the random traffic reaches the delegation logic. */
function template(op: string, r: () => number): unknown {
  const sid = stateid(Math.floor(r() * 30));
  const fh = new Uint8Array([1, 2, Math.floor(r() * 4)]);
  switch (op) {
    case 'CB_RECALL': return { stateid: sid, truncate: false, fh };
    case 'CB_NOTIFY': return { cna_stateid: sid, cna_fh: fh, cna_changes: [{ notify_mask: [8], notify_vals: new Uint8Array(0), values: [{ type: 'NOTIFY4_ADD_ENTRY', value: { nad_new_entry: { ne_file: 'f' }, nad_new_entry_cookie: [1] } }] }] };
    case 'DELEGRETURN': return { deleg_stateid: sid };
    case 'PUTFH': return { object: fh };
    case 'REMOVE': return { target: 'f' };
    case 'FREE_STATEID': return { fsa_stateid: sid };
    default: return value(r, 0);
  }
}

function resTemplate(op: string, r: () => number): unknown {
  const sid = stateid(Math.floor(r() * 30));
  switch (op) {
    case 'OPEN': return { status: 'NFS4_OK', resok4: { stateid: sid, cinfo: { before: 1, after: 2 }, delegation: { delegation_type: 'OPEN_DELEGATE_READ', read: { stateid: sid, recall: false } } } };
    case 'GET_DIR_DELEGATION': return { gddr_status: 'NFS4_OK', gddr_res_non_fatal4: { gddrnf_status: r() < 0.8 ? 'GDD4_OK' : 'GDD4_UNAVAIL', gddrnf_resok4: { gddr_stateid: sid, gddr_notification: [8], gddr_cookieverf: new Uint8Array(8) }, gddrnf_will_signal_deleg_avail: true } };
    default: return value(r, 0);
  }
}

describe('Correlator on hostile decoded values', () => {
  it('20000 random compounds and callbacks: no exception, tables within caps', () => {
    const r = rng(12345);
    const c = new Correlator({ maxActiveDelegations: 200, maxRetainedDelegations: 50, maxPendingCalls: 100, maxNames: 500 });
    const w = new World(c);
    const conns = [w.conn('10.0.0.1:1'), w.conn('10.0.0.2:2'), w.conn('[fe80::1]:3')];
    for (let i = 0; i < 20_000; i++) {
      const conn = conns[Math.floor(r() * conns.length)];
      const cb = r() < 0.3;
      const names = cb ? CB_OPS : OPS;
      const ops: OpSpec[] = Array.from({ length: 1 + Math.floor(r() * 5) }, () => {
        const op = names[Math.floor(r() * names.length)];
        return [op, r() < 0.6 ? template(op, r) : value(r, 0)];
      });
      if (r() < 0.5) ops.unshift(cb ? ['CB_SEQUENCE', { csa_sessionid: sessionId(Math.floor(r() * 3)) }] : ['SEQUENCE', { sa_sessionid: sessionId(Math.floor(r() * 3)), sa_slotid: 0, sa_sequenceid: i }]);
      const h = cb ? w.cbCall(conn, ops) : w.call(conn, ops);
      if (r() < 0.9) {
        const statuses = ['NFS4_OK', 'NFS4_OK', 'NFS4_OK', 'NFS4ERR_DELAY', 'NFS4ERR_DELEG_REVOKED', 'NFS4ERR_BAD_STATEID'];
        const res: ResSpec[] = ops.map(([op]) => [op, statuses[Math.floor(r() * statuses.length)], r() < 0.6 ? resTemplate(op, r) : value(r, 0)]);
        w.reply(h, res.slice(0, 1 + Math.floor(r() * res.length)));
      }
      if (r() < 0.01) w.advance(r() * 100);
    }
    c.finish();
    const st = c.stats();
    expect(st.drops.filter(([reason]) => reason.startsWith('correlator error'))).toEqual([]);
    expect(c.delegations().length).toBeLessThanOrEqual(250);
    expect(JSON.parse(JSON.stringify(c.delegations()))).toBeDefined();
    // the random traffic did reach the delegation logic
    expect(st.delegations.seen).toBeGreaterThan(100);
    expect(st.delegations.recalled + st.delegations.returned).toBeGreaterThan(10);
  });
});

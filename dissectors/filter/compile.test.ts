import { describe, expect, it } from 'vitest';
import { compileFilter, formatFilterError } from './compile.js';
import {
  allMessages, cbNotifyCall, cbNotifyReply, delayReply, gddCall, gddReply, namesCall, openDelegReply, portmapCall,
} from '../fields/testdata/messages.js';
import type { FieldSource } from '../fields/types.js';

const MESSAGES = allMessages();

/** Frames of the fixture messages that the filter keeps. */
function frames(text: string): number[] {
  const r = compileFilter(text);
  if (!r.ok) throw new Error(`${text}: ${r.error} at ${r.position}`);
  return MESSAGES.filter((m) => r.filter(m)).map((m) => m.frame);
}

function test1(text: string, m: FieldSource): boolean {
  const r = compileFilter(text);
  if (!r.ok) throw new Error(`${text}: ${r.error} at ${r.position}`);
  return r.filter(m);
}

function err(text: string): { error: string; position: number } {
  const r = compileFilter(text);
  if (r.ok) throw new Error(`expected an error for ${text}`);
  return { error: r.error, position: r.position };
}

// Fixture frames: 2 portmap, 10 GDD call, 12 GDD reply, 20 CB_NOTIFY call, 21 its reply,
// 30 names call, 31 NFS4ERR_DELAY reply, 40 OPEN delegation reply.

describe('display filter: comparisons', () => {
  it('an empty filter keeps everything', () => {
    expect(frames('')).toEqual([2, 10, 12, 20, 21, 30, 31, 40]);
    expect(frames('   ')).toHaveLength(8);
  });

  it('== on a multi-valued field matches when any value matches', () => {
    expect(frames('nfs.opcode == 46')).toEqual([10, 12]);
    expect(frames('nfs.opcode == GET_DIR_DELEGATION')).toEqual([10, 12]);
    expect(frames('nfs.opcode eq OP_GET_DIR_DELEGATION')).toEqual([10, 12]);
    expect(frames('nfs.opcode == 0x2e')).toEqual([10, 12]);
    expect(frames('nfs.opcode == 056')).toEqual([10, 12]);
    expect(frames('nfs.cb.operation == CB_NOTIFY')).toEqual([20, 21]);
  });

  it('!= means no value equals (Wireshark 4.0), and an absent field is false', () => {
    expect(frames('nfs.opcode != SEQUENCE')).toEqual([40]);
    expect(frames('nfs.opcode ne 53')).toEqual([40]);
    expect(frames('!(nfs.opcode == 53)')).toEqual([2, 20, 21, 40]);
  });

  it('!== / ~= / any_ne: some value differs; === / all_eq: every value equals', () => {
    expect(frames('nfs.opcode !== 53')).toEqual([10, 12, 30, 31, 40]);
    expect(frames('nfs.opcode ~= 53')).toEqual([10, 12, 30, 31, 40]);
    expect(frames('nfs.opcode any_ne 53')).toEqual([10, 12, 30, 31, 40]);
    expect(frames('nfs.nfsstat4 === NFS4_OK')).toEqual([12, 21, 40]);
    expect(frames('nfs.nfsstat4 all_eq 0')).toEqual([12, 21, 40]);
  });

  it('ordering relations', () => {
    expect(frames('rpc.time > 0.005')).toEqual([31]);
    expect(frames('rpc.time >= 0.01')).toEqual([31]);
    expect(frames('rpc.time < 0.001')).toEqual([21]);
    expect(frames('rpc.time le 0.001')).toEqual([21, 40]);
    expect(frames('frame.number lt 12')).toEqual([2, 10]);
    expect(frames('frame.number ge 31')).toEqual([31, 40]);
    expect(frames('rpc.xid > 0x60000000')).toEqual([20, 21]);
    expect(frames('nfs.tag > "f"')).toEqual([10, 12, 40]);
  });

  it('literal on the left mirrors the relation', () => {
    expect(frames('46 == nfs.opcode')).toEqual([10, 12]);
    expect(frames('12 > frame.number')).toEqual([2, 10]);
  });

  it('status and value names', () => {
    expect(frames('nfs.nfsstat4 == NFS4ERR_DELAY')).toEqual([31]);
    expect(frames('nfs.status != NFS4_OK')).toEqual([31]);
    expect(frames('nfs.gdd.status == GDD4_OK')).toEqual([12]);
    expect(frames('nfs.notify.type == NOTIFY4_ADD_ENTRY')).toEqual([20]);
    expect(frames('nfs.notify.type == REMOVE_ENTRY')).toEqual([20]);
    expect(frames('nfs.open.delegation_type == OPEN_DELEGATE_READ')).toEqual([40]);
    expect(frames('rpc.msgtyp == reply')).toEqual([12, 21, 31, 40]);
    expect(frames('rpc.msgtyp == Call && rpc.program == NFS')).toEqual([10, 30]);
    expect(frames('rpc.state_accept == SUCCESS')).toEqual([12, 21, 31, 40]);
    expect(frames('rpc.auth.flavor == AUTH_SYS')).toEqual([10, 30]);
  });

  it('booleans and presence-only fields', () => {
    expect(frames('nfs.cachethis4 == false')).toEqual([10, 20, 30]);
    expect(frames('nfs.sequence.flags.recallable_state_revoked == 1')).toEqual([31]);
    expect(frames('nfs.notify.last_entry == True')).toEqual([20]);
    expect(frames('rpc.dup')).toEqual([]);
    expect(test1('rpc.dup', { ...namesCall(), rpc: { ...namesCall().rpc, duplicate: true } })).toBe(true);
  });

  it('absolute and relative times', () => {
    expect(frames('frame.time_epoch >= 1795786430')).toEqual([30, 31, 40]);
    expect(frames('frame.time_epoch < "2026-11-27 13:33:48"')).toEqual([2]);
    expect(frames('frame.time_epoch > "2026-11-27T13:33:50.005Z"')).toEqual([31, 40]);
    expect(frames('frame.time_relative in {1..2.5}')).toEqual([10, 12, 20, 21]);
  });

  it('64-bit values compare exactly', () => {
    const m = openDelegReply();
    const nfs = m.nfs!;
    const big: FieldSource = { ...m, nfs: { ...nfs, ops: [{ opnum: 43, op: 'CREATE_SESSION', offset: 0, length: 0, args: { csa_clientid: (1n << 63n) + 5n } }] } };
    expect(test1('nfs.clientid == 0x8000000000000005', big)).toBe(true);
    expect(test1('nfs.clientid == 9223372036854775813', big)).toBe(true);
    expect(test1('nfs.clientid > 9223372036854775812', big)).toBe(true);
    expect(test1('nfs.clientid == 5', big)).toBe(false);
    expect(test1('nfs.clientid > 5', big)).toBe(true);
  });
});

describe('display filter: strings, bytes, addresses', () => {
  it('string equality, contains and case-insensitive matches', () => {
    expect(frames('nfs.pathname.component == "a.txt"')).toEqual([30]);
    expect(frames('nfs.pathname.component == a.txt')).toEqual([30]);
    expect(frames('nfs.notify.name == "x"')).toEqual([20]);
    expect(frames('nfs.pathname.component contains "txt"')).toEqual([30]);
    expect(frames('nfs.pathname.component matches "^A\\\\.TXT$"')).toEqual([30]);
    expect(frames('nfs.tag ~ "^GD"')).toEqual([10, 12]);
    expect(frames('rpc.auth.machinename == "client1"')).toEqual([10]);
    expect(frames('nfs.pathname.component == "old\\x1b[31m"')).toEqual([30]);
    expect(frames('nfs.pathname.component == "old\\033[31m"')).toEqual([30]);
  });

  it('bytes literals: colon, dash, dot separated or plain hex; contains bytes or text', () => {
    expect(frames('nfs.session_id4 == 30:30:30:30:30:30:30:32:30:30:30:30:30:30:30:31')).toEqual([10, 12, 20, 21, 30, 31]);
    expect(frames('nfs.session_id4 == 30303030303030323030303030303031')).toEqual([10, 12, 20, 21, 30, 31]);
    expect(frames('nfs.stateid.other == 00-00-00-02-00-00-00-00-00-00-00-02')).toEqual([12, 20, 40]);
    expect(frames('nfs.fhandle contains ea:2c')).toEqual([10, 20, 40]);
    expect(frames('nfs.session_id4 contains "0002"')).toEqual([10, 12, 20, 21, 30, 31]);
    expect(frames('nfs.fhandle matches "^\\\\x01\\\\x00"')).toEqual([10, 20, 40]);
  });

  it('hash fields compare as numbers', () => {
    const r = compileFilter('nfs.deleg.stateid.other_hash');
    expect(r.ok).toBe(true);
    expect(frames('nfs.deleg.stateid.other_hash')).toEqual([12, 20, 40]);
  });

  it('IPv4 and IPv6 addresses, with prefixes', () => {
    expect(frames('ip.src == 10.0.0.5')).toEqual([10, 21, 30]);
    expect(frames('ip.addr == 10.0.0.0/24')).toEqual([10, 12, 20, 21, 30, 31, 40]);
    expect(frames('ip.dst != 10.0.0.1')).toEqual([12, 20, 31, 40]);
    expect(frames('ip.addr != 10.0.0.1')).toEqual([]);
    expect(frames('ipv6.addr == fe80::2')).toEqual([2]);
    expect(frames('ipv6.src == fe80::/16')).toEqual([2]);
    expect(frames('ipv6.src == fe80:0:0:0:0:0:0:1')).toEqual([2]);
  });
});

describe('display filter: sets, logic, presence', () => {
  it('membership with and without commas, ranges, value names', () => {
    expect(frames('nfs.opcode in {46 29}')).toEqual([10, 12, 30]);
    expect(frames('nfs.opcode in {GET_DIR_DELEGATION, RENAME}')).toEqual([10, 12, 30]);
    expect(frames('frame.number in {10..20}')).toEqual([10, 12, 20]);
    expect(frames('frame.number in {10 .. 12, 40}')).toEqual([10, 12, 40]);
    expect(frames('tcp.port in {111 2049}')).toEqual([2, 10, 12, 20, 21, 30, 31, 40]);
    expect(frames('tcp.port in {800..900}')).toEqual([2, 10, 12, 20, 21, 30, 31, 40]);
    expect(frames('tcp.srcport in {800..900}')).toEqual([2, 10, 21, 30]);
    expect(frames('rpc.time in {0.0001..0.0005}')).toEqual([21]);
    expect(frames('nfs.pathname.component in {"to" "nothing"}')).toEqual([30]);
    expect(frames('frame.number not in {10..40}')).toEqual([2]);
  });

  it('and binds tighter than or; not; parentheses; symbol forms', () => {
    expect(frames('frame.number == 2 or frame.number == 10 and rpc.msgtyp == 1')).toEqual([2]);
    expect(frames('(frame.number == 2 or frame.number == 10) and rpc.msgtyp == 0')).toEqual([2, 10]);
    expect(frames('nfs && !nfs.opcode')).toEqual([20, 21]);
    expect(frames('not nfs')).toEqual([2]);
    expect(frames('nfs.cb.operation || nfs.opcode == 18')).toEqual([20, 21, 30, 31, 40]);
    expect(frames('!!nfs.notify.name')).toEqual([20]);
  });

  it('field presence and protocol presence', () => {
    expect(frames('nfs.notify.name')).toEqual([20]);
    expect(frames('nfs.gdd.status')).toEqual([12]);
    expect(frames('ipv6')).toEqual([2]);
    expect(frames('rpc')).toHaveLength(8);
  });

  it('field against field (any pair)', () => {
    expect(frames('tcp.srcport == tcp.dstport')).toEqual([]);
    expect(frames('tcp.srcport > tcp.dstport')).toEqual([2, 12, 20, 31, 40]);
    expect(frames('rpc.repframe < frame.number')).toEqual([12, 21, 31, 40]);
  });

  it('reports which fields a filter reads', () => {
    const r = compileFilter('nfs.opcode == 46 and ip.src == 10.0.0.5 or nfs');
    expect(r.ok && r.fields.sort()).toEqual(['ip.src', 'nfs', 'nfs.opcode']);
  });

  it('works on real-sized message lists quickly', () => {
    const r = compileFilter('nfs.opcode == GET_DIR_DELEGATION or nfs.notify.name contains "x" or ip.addr == 10.0.0.0/8');
    if (!r.ok) throw new Error(r.error);
    const msgs = [gddCall(), gddReply(), cbNotifyCall(), cbNotifyReply(), namesCall(), delayReply(), portmapCall()];
    const t0 = performance.now();
    let n = 0;
    for (let i = 0; i < 20_000; i++) {
      // Fresh compounds each round: the walk is not cached across messages.
      const m = msgs[i % msgs.length];
      if (r.filter({ ...m, nfs: m.nfs ? { ...m.nfs } : undefined })) n++;
    }
    const ms = performance.now() - t0;
    expect(n).toBeGreaterThan(10_000);
    // Generous: CI machines are shared; this guards against pathological slowness only.
    expect(ms).toBeLessThan(5000);
  });
});

describe('display filter: errors with positions', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['nfs.opcod == 1', 0, /"nfs.opcod" is neither a field nor a protocol name/],
    ['nfs.opcode == 46 and nfs.bogus', 21, /nfs.bogus/],
    ['nfs.opcode == NOT_AN_OP', 14, /not a valid value for nfs.opcode/],
    ['nfs.opcode ==', 13, /expected a value, found end of filter/],
    ['nfs.opcode == 46 46', 17, /unexpected "46"/],
    ['(nfs.opcode == 46', 17, /expected "\)"/],
    ['nfs.opcode == 46)', 16, /unmatched "\)"/],
    ['nfs.tag == "abc', 11, /unterminated string/],
    ['nfs.tag matches "("', 16, /invalid regular expression/],
    ['nfs.tag matches abc', 16, /quoted regular expression/],
    ['nfs.opcode contains 4', 11, /contains works on string and bytes fields/],
    ['ip.src == 300.1.1.1', 10, /IPv4 address/],
    ['ip.src == fe80::1', 10, /IPv4 address/],
    ['nfs.fhandle == zz:11', 15, /bytes such as/],
    ['nfs.opcode in {46', 17, /expected "}"/],
    ['nfs.opcode in {}', 15, /empty set/],
    ['nfs.tag in {"a".."b"}', 12, /ranges need a numeric or time field/],
    ['nfs.opcode == 46 $ 1', 17, /unexpected character '\$'/],
    ['and nfs', 0, /expected a field name/],
    ['rpc.dup == 1', 11, /only tells presence/],
    ['nfs == 1', 0, /is a protocol/],
    ['"abc"', 0, /a string alone is not a test/],
    ['nfs.truncate == maybe', 16, /true, false, 1 or 0/],
    ['tcp.port == nfs.tag', 12, /cannot be compared/],
    ['rpc.time > yesterday', 11, /a number of seconds/],
  ];
  for (const [text, pos, re] of cases) {
    it(`${text} -> error at ${pos}`, () => {
      const e = err(text);
      expect(e.error).toMatch(re);
      expect(e.position).toBe(pos);
    });
  }

  it('refuses absurd nesting with an error instead of a stack overflow', () => {
    const deep = '('.repeat(100_000) + 'nfs' + ')'.repeat(100_000);
    const e = err(deep);
    expect(e.error).toMatch(/nested more than 200 levels/);
    expect(e.position).toBe(200);
    expect(err('!'.repeat(5000) + 'nfs').position).toBe(200);
    expect(frames('(((nfs.notify.name)))')).toEqual([20]);
    expect(frames('!!!!nfs.notify.name')).toEqual([20]);
  });

  it('long flat filters compile (no recursion per term)', () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `frame.number == ${i}`).join(' or ');
    expect(frames(text)).toEqual([2, 10, 12, 20, 21, 30, 31, 40]);
  });

  it('formats the filter with a caret under the failing character', () => {
    const text = 'nfs.opcode == 46 and nfs.bogus';
    const e = err(text);
    expect(formatFilterError(text, e.error, e.position)).toBe(
      'nfs.opcode == 46 and nfs.bogus\n' +
      '                     ^\n' +
      '"nfs.bogus" is neither a field nor a protocol name',
    );
    expect(formatFilterError('a ==', 'boom', 4)).toBe('a ==\n    ^\nboom');
  });
});

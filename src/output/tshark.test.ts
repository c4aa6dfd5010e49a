/**
 * `-T fields` against the real tshark 4.0 on the bundled captures: for every frame tshark
 * shows RPC in, our values of the same fields (all RPC messages of the frame, in order)
 * must print exactly as tshark prints them.
 */
import { describe, expect, it } from 'vitest';
import { tsharkAvailable, tsharkFields } from '../../test/helpers/tshark.js';
import { analyzeCapture } from './testdata/capture.js';
import { formatFieldsLine, resolveFieldList } from './fields.js';
import { compileFilter } from '../../dissectors/filter/compile.js';

/** Fields whose -T fields output matches tshark 4.0 on these captures. */
const FIELDS = [
  'rpc.xid', 'rpc.msgtyp', 'rpc.repframe', 'rpc.reqframe', 'rpc.time', 'rpc.program', 'rpc.procedure',
  'rpc.auth.flavor', 'rpc.auth.uid', 'rpc.auth.gid', 'rpc.auth.machinename', 'rpc.replystat', 'rpc.state_accept',
  'frame.time_epoch', 'ip.src', 'ip.dst', 'tcp.srcport', 'tcp.dstport',
  'nfs.opcode', 'nfs.cb.operation', 'nfs.nfsstat4', 'nfs.tag', 'nfs.minorversion', 'nfs.ops.count',
  'nfs.fhandle', 'nfs.fh.hash', 'nfs.session_id4', 'nfs.seqid', 'nfs.slotid', 'nfs.high_slotid',
  'nfs.target_high_slotid', 'nfs.cachethis4', 'nfs.sequence.flags', 'nfs.clientid', 'nfs.cb_program',
  'nfs.callback.ident', 'nfs.truncate', 'nfs.recall4', 'nfs.open.delegation_type', 'nfs.open.claim_type',
  'nfs.pathname.component', 'nfs.name', 'nfs.create_session_flags', 'nfs.sequence.flags.recallable_state_revoked',
  'rpc.auth.stamp', 'rpc.version', 'nfs.lock_seqid', 'nfs.procedure_v4', 'nfs.cb_procedure',
];
/** Stateid fields: tshark skips the (deprecated) stateid of CLOSE replies, which we report;
 *  they are compared on every frame without a CLOSE reply. */
const STATEID_FIELDS = ['nfs.stateid', 'nfs.stateid.hash', 'nfs.stateid.seqid', 'nfs.stateid.other', 'nfs.stateid.other_hash'];

interface Case {
  file: string;
  /** Frames where tshark 4.0 is known to be wrong, with the reason. */
  tsharkWrong: Record<number, string>;
  }

const CASES: Case[] = [
  { file: 'pynfs-v41-deleg-recall.pcap', tsharkWrong: {}, },
  { file: 'pynfs-v41-deleg-suite.pcap', tsharkWrong: {}, },
  {
    file: 'linux-6.1-nfsd-v41-deleg-recall.pcap',
    // OPEN with CLAIM_DELEG_CUR_FH: tshark 4.0 does not consume the claim's stateid and
    // reads the next opcode (GETATTR, 9) from inside it (see dissectors/nfs4/tshark.test.ts).
    tsharkWrong: { 197: 'OPEN CLAIM_DELEG_CUR_FH misparsed by tshark 4.0' },
  },
  { file: 'linux-6.1-nfsd-v40-deleg-recall.pcap', tsharkWrong: {}, },
  { file: 'ganesha-libnfs-v40-scenario.pcap', tsharkWrong: {}, },
  { file: 'ganesha-proxy-v41-scenario.pcap', tsharkWrong: {}, },
];

describe.skipIf(!tsharkAvailable)('-T fields equals tshark 4.0', () => {
  for (const c of CASES) {
    it(c.file, async () => {
      const path = `captures/${c.file}`;
      const fields = [...FIELDS, ...STATEID_FIELDS];
      const r = resolveFieldList(fields);
      if (!r.ok) throw new Error(r.error);
      const ours = new Map<number, string[][]>();
      const closeReplies = new Set<number>();
      for (const s of await analyzeCapture(path)) {
        if (s.rpc.type === 'reply' && s.nfs?.ops.some((op) => op.op === 'CLOSE')) closeReplies.add(s.frame);
        const cells = formatFieldsLine(s, r.fields).split('\t');
        const prev = ours.get(s.frame);
        if (!prev) ours.set(s.frame, cells.map((x) => (x === '' ? [] : [x])));
        else cells.forEach((x, i) => { if (x !== '') prev[i].push(x); });
      }
      const theirs = tsharkFields(path, ['frame.number', ...fields], ['-2', '-Y', 'rpc']);
      expect(theirs.length).toBeGreaterThan(50);
      let compared = 0;
      const seen = new Set<number>();
      for (const row of theirs) {
        const frame = Number(row[0][0]);
        seen.add(frame);
        if (c.tsharkWrong[frame] !== undefined) continue;
        const mine = ours.get(frame);
        expect(mine, `frame ${frame}: tshark shows RPC, we have no message`).toBeDefined();
        const diffs = fields
          .map((f, i) => ({ f, want: (row[i + 1] ?? []).join(','), got: mine![i].join(',') }))
          .filter((d) => d.want !== d.got && !(closeReplies.has(frame) && STATEID_FIELDS.includes(d.f)))
          .map((d) => `${d.f}: tshark ${JSON.stringify(d.want)}, ours ${JSON.stringify(d.got)}`);
        expect(diffs, `frame ${frame}`).toEqual([]);
        compared++;
      }
      for (const frame of ours.keys()) expect(seen.has(frame), `frame ${frame}: we have RPC, tshark does not`).toBe(true);
      expect(compared).toBeGreaterThan(50);
    });
  }

  it('display filters select the same frames as tshark -Y', async () => {
    const path = 'captures/pynfs-v41-deleg-suite.pcap';
    const messages = await analyzeCapture(path);
    const filters = [
      'nfs.opcode == 18',
      'nfs.nfsstat4 == 10008',
      'nfs.cb.operation == 4 && nfs.truncate == 0',
      'nfs.opcode != 53',
      'nfs.opcode !== 53 && rpc.msgtyp == 1',
      'nfs.pathname.component contains "DELEG"',
      'nfs.pathname.component matches "^deleg[0-9]_"',
      'nfs.opcode in {8, 18} and not nfs.nfsstat4 == 0',
      'rpc.time > 0.002',
      'nfs.stateid.seqid >= 2 || nfs.clientid == 0x0000000000000003',
    ];
    for (const text of filters) {
      const f = compileFilter(text);
      if (!f.ok) throw new Error(`${text}: ${f.error}`);
      const ours = [...new Set(messages.filter((m) => f.filter(m)).map((m) => m.frame))];
      const theirs = tsharkFields(path, ['frame.number'], ['-2', '-Y', text]).map((row) => Number(row[0][0]));
      expect(ours, text).toEqual(theirs);
    }
  });
});

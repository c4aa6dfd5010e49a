/**
 * framing: ONC RPC record marking and TCP segmentation edge cases on one NFSv4.1 connection,
 * for the reassembly and record layers: two records in one segment; a record marker split
 * across two segments (tshark 4.0.17 cannot follow this: the record and its reply are marked
 * tsharkVisible=false); a call sent as 3 fragments, one segment each; a reply written in
 * 7-byte segments; a TCP retransmission of a call's last segment (the only frame tshark
 * should flag); a CB_COMPOUND in 2 fragments whose second marker is split (hidden from
 * tshark, which also loses that direction's later records, so it comes last).
 */
import type { ExpectedCapture } from '../expected.js';
import type { ScenarioContext, ScenarioDefinition } from '../kit.js';
import { SynthRun } from '../nfs.js';
import * as op from '../ops.js';

const DESCRIPTION = 'Record-marking and segmentation edge cases: several records per segment, split record markers, multi-fragment records, tiny segments, a TCP retransmission.';

export function buildFraming(ctx: ScenarioContext): ExpectedCapture {
  const run = new SynthRun({ scenario: 'framing', description: DESCRIPTION, ...ctx });
  const A = run.client('A', { ip: '10.20.0.11', port: 871, machinename: 'client-a' });
  A.establish({ backChannel: true });
  const dirFh = op.fileHandle(100);
  const fileFh = op.fileHandle(4243);
  const attrs = { type: 'NF4REG', size: 4096, fileid: 4243, mode: 0o644 };
  run.think(2);

  // Two calls in one segment, their replies in one segment.
  const [g1, g2] = A.callMany([[op.putfh(fileFh), op.getattr(op.ATTR.type, op.ATTR.size)], [op.putfh(dirFh), op.lookup('a.txt'), op.getfh()]]);
  A.replyMany([
    [g1, [op.ok('OP_PUTFH'), op.getattrRes({ type: 'NF4REG', size: 4096 })]],
    [g2, [op.ok('OP_PUTFH'), op.ok('OP_LOOKUP'), op.getfhRes(fileFh)]],
  ]);
  run.think(2);

  // Two calls where the second record's marker is split 2+2 across segments.
  const [s1, s2] = A.callMany([[op.putfh(fileFh), op.getattr(op.ATTR.fileid)], [op.putfh(fileFh), op.getattr(op.ATTR.mode)]], { cut: (l) => [l[0] + 2] });
  const [s1r, s2r] = A.replyMany([
    [s1, [op.ok('OP_PUTFH'), op.getattrRes({ fileid: 4243 })]],
    [s2, [op.ok('OP_PUTFH'), op.getattrRes({ mode: 0o644 })]],
  ]);
  run.hideFromTshark(s2.ref);
  run.hideFromTshark(s2r);
  void s1r;
  run.think(2);

  // A WRITE sent as 3 fragments, each fragment in its own segment.
  const data = op.bytesOf(600, 77);
  const w = A.call([op.putfh(fileFh), op.write(op.ANONYMOUS_STATEID, 0, data)], { fragments: 3, cut: (l) => { const f = Math.floor((l[0] - 12) / 3); return [f + 4, f + 4]; } });
  A.reply(w, [op.ok('OP_PUTFH'), op.writeRes(600, op.bytesOf(8, 5))]);
  run.think(2);

  // A READ reply written in 7-byte segments.
  const r = A.call([op.putfh(fileFh), op.read(op.ANONYMOUS_STATEID, 0, 64)]);
  A.reply(r, [op.ok('OP_PUTFH'), op.readRes(op.bytesOf(64, 9), true)], { chunk: 7 });
  run.think(2);

  // A call whose last segment is retransmitted before the reply.
  const rt = A.call([op.putfh(fileFh), op.getattr(op.ATTR.type, op.ATTR.size, op.ATTR.fileid, op.ATTR.mode)]);
  const retransmitted = A.tcp.retransmitLast('client');
  A.reply(rt, [op.ok('OP_PUTFH'), op.getattrRes(attrs)]);
  run.think(2);
  // Last, because tshark loses the back-channel direction after it: a CB_COMPOUND
  // (CB_SEQUENCE only) in 2 fragments whose second fragment marker is split across segments.
  const cb = A.cbCall([], { fragments: 2, cut: (l) => [Math.floor((l[0] - 8) / 2) + 4 + 2] });
  const cbr = A.cbReply(cb);
  run.hideFromTshark(cb.ref);
  run.hideFromTshark(cbr);
  run.think(5);
  A.close();
  return run.expected({ delegations: [], refusals: [], intendedTcpAnalysisFrames: [retransmitted] });
}

export const framing: ScenarioDefinition = { name: 'framing', description: DESCRIPTION, build: buildFraming };

/**
 * read-deleg: A OPENs a file for reading with WANT_READ_DELEG and gets OPEN_DELEGATE_READ.
 * B OPENs it for writing: NFS4ERR_DELAY, the server CB_RECALLs A's delegation (naming B's
 * call), A returns it (DELEGRETURN) and closes, B's retry succeeds.
 */
import type { ExpectedCapture } from '../expected.js';
import { DelegationTracker, type ScenarioContext, type ScenarioDefinition } from '../kit.js';
import * as op from '../ops.js';
import { cast } from './common.js';

const DESCRIPTION = 'File read delegation from OPEN, conflicting OPEN for write from another client -> NFS4ERR_DELAY, CB_RECALL, DELEGRETURN, retry.';

export function buildReadDeleg(ctx: ScenarioContext): ExpectedCapture {
  const { run, A, B, dirFh } = cast(ctx, 'read-deleg', DESCRIPTION);
  const fileFh = op.fileHandle(4242);
  const openSid = run.stateid(0x0b);
  const delegSid = run.stateid(0xde);
  const d = new DelegationTracker('A:notes.txt#1', A, 'read', delegSid, fileFh);

  const o = A.call([op.putfh(dirFh), op.open({ clientid: A.clientid, owner: 'owner-A', name: 'notes.txt', access: 'read', want: 0x100 }), op.getfh()]);
  const or = A.reply(o, [op.ok('OP_PUTFH'), op.openRes({ stateid: openSid, cinfo: op.changeInfo(300, 300), readDeleg: delegSid }), op.getfhRes(fileFh)]);
  d.granted_(o, or);
  run.think(5);
  const rd = A.call([op.putfh(fileFh), op.read(openSid, 0, 1024)]);
  A.reply(rd, [op.ok('OP_PUTFH'), op.readRes(new TextEncoder().encode('meeting notes\n'), true)]);
  run.think(200);

  const wo = B.call([op.putfh(dirFh), op.open({ clientid: B.clientid, owner: 'owner-B', name: 'notes.txt', access: 'write' }), op.getfh()]);
  const recall = A.cbCall([op.cbRecall(delegSid, fileFh)], { referring: [wo] });
  B.reply(wo, [op.ok('OP_PUTFH'), op.err('OP_OPEN', 'NFS4ERR_DELAY')]);
  const recallReply = A.cbReply(recall);
  d.recalled(recall, recallReply, 'conflict', { conflictingCall: wo.ref, referringCall: true });
  run.think(1);
  const ret = A.call([op.putfh(fileFh), op.delegreturn(delegSid)]);
  const retr = A.reply(ret, [op.ok('OP_PUTFH'), op.ok('OP_DELEGRETURN')]);
  d.returned(ret, retr);
  const cl = A.call([op.putfh(fileFh), op.close(openSid)]);
  A.reply(cl, [op.ok('OP_PUTFH'), op.closeRes({ seqid: openSid.seqid + 1, other: openSid.other })]);
  run.think(100);
  const retry = B.call([op.putfh(dirFh), op.open({ clientid: B.clientid, owner: 'owner-B', name: 'notes.txt', access: 'write' }), op.getfh()]);
  B.reply(retry, [op.ok('OP_PUTFH'), op.openRes({ stateid: run.stateid(0x0b), cinfo: run.changeInfo() }), op.getfhRes(fileFh)]);
  d.setRecallDetails({ retryCall: retry.ref });
  run.think(5);
  A.close();
  B.close();
  return run.expected({ delegations: [d.build()], refusals: [] });
}

export const readDeleg: ScenarioDefinition = { name: 'read-deleg', description: DESCRIPTION, build: buildReadDeleg };

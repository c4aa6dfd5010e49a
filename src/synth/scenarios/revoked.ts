/**
 * revoked: B's create conflicts with A's (recall-only) directory delegation; A answers the
 * CB_RECALL but never returns the delegation. After the lease period the server revokes it
 * and B's retry succeeds; A's next SEQUENCE reply carries SEQ4_STATUS_RECALLABLE_STATE_REVOKED,
 * its late DELEGRETURN gets NFS4ERR_DELEG_REVOKED, and A frees the stateid.
 */
import type { ExpectedCapture } from '../expected.js';
import { changeOf, type ScenarioContext, type ScenarioDefinition } from '../kit.js';
import * as op from '../ops.js';
import { cast, grantDir } from './common.js';

const DESCRIPTION = 'Holder never returns a recalled directory delegation: revocation, SEQ4_STATUS_RECALLABLE_STATE_REVOKED, NFS4ERR_DELEG_REVOKED, FREE_STATEID.';

export function buildRevoked(ctx: ScenarioContext): ExpectedCapture {
  const { run, A, B, dirFh } = cast(ctx, 'revoked', DESCRIPTION);
  const g = grantDir(run, A, dirFh, [], 'A:dir#1');

  const mk = B.call([op.putfh(dirFh), op.open({ clientid: B.clientid, owner: 'owner-B', name: 'blocked.txt', access: 'write', create: true })]);
  const recall = A.cbCall([op.cbRecall(g.sid, dirFh)], { referring: [mk] });
  const mkr = B.reply(mk, [op.ok('OP_PUTFH'), op.err('OP_OPEN', 'NFS4ERR_DELAY')]);
  const recallReply = A.cbReply(recall);
  g.d.recalled(recall, recallReply, 'conflict', { conflictingCall: mk.ref, referringCall: true });
  g.d.change(changeOf(mk, mkr, 'ADD', ['blocked.txt'], 'recalled', recall));
  // B keeps retrying while A does nothing.
  for (let i = 0; i < 2; i++) {
    run.think(15_000);
    const again = B.call([op.putfh(dirFh), op.open({ clientid: B.clientid, owner: 'owner-B', name: 'blocked.txt', access: 'write', create: true })]);
    B.reply(again, [op.ok('OP_PUTFH'), op.err('OP_OPEN', 'NFS4ERR_DELAY')]);
  }
  run.think(60_000); // the lease runs out: the server revokes the delegation
  const retry = B.call([op.putfh(dirFh), op.open({ clientid: B.clientid, owner: 'owner-B', name: 'blocked.txt', access: 'write', create: true })]);
  B.reply(retry, [op.ok('OP_PUTFH'), op.openRes({ stateid: run.stateid(0x0b), cinfo: run.changeInfo() })]);
  g.d.setRecallDetails({ retryCall: retry.ref });
  run.think(2_000);

  // A's next compound learns about the revocation from the SEQUENCE flags ...
  const ga = A.call([op.putfh(dirFh), op.getattr(op.ATTR.type, op.ATTR.change)]);
  const gar = A.reply(ga, [op.ok('OP_PUTFH'), op.getattrRes({ type: 'NF4DIR', change: 9100 })], { seqFlags: 0x40 });
  g.d.revoked(ga.ref, gar, 'SEQ4_STATUS_RECALLABLE_STATE_REVOKED');
  // ... its DELEGRETURN is refused, and it frees the stateid.
  const ret = A.call([op.putfh(dirFh), op.delegreturn(g.sid)]);
  const retr = A.reply(ret, [op.ok('OP_PUTFH'), op.err('OP_DELEGRETURN', 'NFS4ERR_DELEG_REVOKED')], { seqFlags: 0x40 });
  g.d.revoked(ret.ref, retr, 'NFS4ERR_DELEG_REVOKED');
  const fs = A.call([op.freeStateid(g.sid)]);
  const fsr = A.reply(fs, [op.ok('OP_FREE_STATEID')]);
  g.d.freed(fs, fsr);
  g.d.problem('recall-unanswered');
  run.think(5);
  A.close();
  B.close();
  return run.expected({ delegations: [g.d.build()], refusals: [] });
}

export const revoked: ScenarioDefinition = { name: 'revoked', description: DESCRIPTION, build: buildRevoked };

/**
 * return-races-recall: B's SETATTR on the directory conflicts with A's directory delegation;
 * the server sends CB_RECALL, but A had already decided to return it: A's DELEGRETURN goes
 * out (and is answered) before A's reply to the CB_RECALL.
 */
import type { ExpectedCapture } from '../expected.js';
import { changeOf, type ScenarioContext, type ScenarioDefinition } from '../kit.js';
import * as op from '../ops.js';
import { cast, grantDir } from './common.js';

const DESCRIPTION = 'DELEGRETURN sent before the reply to the CB_RECALL it races with (conflict recall, NFS4ERR_DELAY, retry).';

export function buildReturnRacesRecall(ctx: ScenarioContext): ExpectedCapture {
  const { run, A, B, dirFh } = cast(ctx, 'return-races-recall', DESCRIPTION);
  const g = grantDir(run, A, dirFh, [], 'A:dir#1');
  run.think(30);

  const sa = B.call([op.putfh(dirFh), op.setattr(op.ANONYMOUS_STATEID, { mode: 0o700 })]);
  const recall = A.cbCall([op.cbRecall(g.sid, dirFh)], { referring: [sa] });
  const sar = B.reply(sa, [op.ok('OP_PUTFH'), op.err('OP_SETATTR', 'NFS4ERR_DELAY')]);
  // A's DELEGRETURN crosses the CB_RECALL on the wire.
  const ret = A.call([op.putfh(dirFh), op.delegreturn(g.sid)], { delayNs: 10_000 });
  const retr = A.reply(ret, [op.ok('OP_PUTFH'), op.ok('OP_DELEGRETURN')], { ack: false });
  const recallReply = A.cbReply(recall);
  g.d.recalled(recall, recallReply, 'conflict', { conflictingCall: sa.ref, referringCall: true });
  g.d.returned(ret, retr);
  g.d.racedWithRecall();
  run.think(40);
  const retry = B.call([op.putfh(dirFh), op.setattr(op.ANONYMOUS_STATEID, { mode: 0o700 })]);
  B.reply(retry, [op.ok('OP_PUTFH'), op.setattrRes(op.ATTR.mode)]);
  g.d.setRecallDetails({ retryCall: retry.ref });
  g.d.change(changeOf(sa, sar, 'CHANGE_DIR_ATTRS', [], 'recalled', recall));
  run.think(5);
  A.close();
  B.close();
  return run.expected({ delegations: [g.d.build()], refusals: [] });
}

export const returnRacesRecall: ScenarioDefinition = { name: 'return-races-recall', description: DESCRIPTION, build: buildReturnRacesRecall };

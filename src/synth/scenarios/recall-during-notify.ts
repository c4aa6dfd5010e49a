/**
 * recall-during-notify: the server recalls a directory delegation while a CB_NOTIFY to the
 * holder is still unanswered. A asked for ADD notifications only; B creates a file (CB_NOTIFY
 * on back-channel slot 0, not yet answered), then B removes a file: B gets NFS4ERR_DELAY and
 * the server sends CB_RECALL on slot 1 naming B's call. A answers the CB_NOTIFY, then the
 * CB_RECALL, returns the delegation; B's retry succeeds.
 */
import type { ExpectedCapture } from '../expected.js';
import { changeOf, type ScenarioContext, type ScenarioDefinition } from '../kit.js';
import * as op from '../ops.js';
import { added, cast, create, giveBack, grantDir, namesOf } from './common.js';

const DESCRIPTION = 'CB_RECALL sent while a CB_NOTIFY to the same holder is unanswered (conflict recall, NFS4ERR_DELAY, retry).';

export function buildRecallDuringNotify(ctx: ScenarioContext): ExpectedCapture {
  const { run, A, B, dirFh } = cast(ctx, 'recall-during-notify', DESCRIPTION);
  const g = grantDir(run, A, dirFh, [op.NOTIFY.ADD_ENTRY], 'A:dir#1');

  const mk = create(run, B, dirFh, 'new.txt');
  const values = added(run, 'new.txt', 0x30);
  const notifyCb = A.cbCall([op.cbNotify(g.sid, dirFh, values.map((v) => op.notify(...v)))]);
  run.think(1);
  const rm = B.call([op.putfh(dirFh), op.remove('old.txt')]);
  const recall = A.cbCall([op.cbRecall(g.sid, dirFh)], { slot: 1, referring: [rm] });
  const rmr = B.reply(rm, [op.ok('OP_PUTFH'), op.err('OP_REMOVE', 'NFS4ERR_DELAY')]);
  run.think(1);
  const notifyReply = A.cbReply(notifyCb);
  const recallReply = A.cbReply(recall);
  g.d.notified(notifyCb, notifyReply, namesOf(values));
  g.d.recalled(recall, recallReply, 'conflict', { conflictingCall: rm.ref, referringCall: true });
  run.think(1);
  giveBack(A, g.d, g.sid, dirFh);
  run.think(50);
  const retry = B.call([op.putfh(dirFh), op.remove('old.txt')]);
  B.reply(retry, [op.ok('OP_PUTFH'), op.removeRes(run.changeInfo())]);
  g.d.setRecallDetails({ retryCall: retry.ref });
  g.d.change(changeOf(mk.call, mk.reply, 'ADD', ['new.txt'], 'notified', notifyCb));
  g.d.change(changeOf(rm, rmr, 'REMOVE', ['old.txt'], 'recalled', recall));
  run.think(5);
  A.close();
  B.close();
  return run.expected({ delegations: [g.d.build()], refusals: [] });
}

export const recallDuringNotify: ScenarioDefinition = { name: 'recall-during-notify', description: DESCRIPTION, build: buildRecallDuringNotify };

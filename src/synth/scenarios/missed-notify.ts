/**
 * missed-notify: A holds a directory delegation with ADD|REMOVE notifications. B creates
 * "a.txt" (notified), removes "b.txt" (the server sends nothing and does not recall: a
 * missed notification), creates "c.txt" (notified). A later returns the delegation itself.
 */
import type { ExpectedCapture } from '../expected.js';
import { changeOf, type ScenarioContext, type ScenarioDefinition } from '../kit.js';
import * as op from '../ops.js';
import { added, cast, create, giveBack, grantDir, notifyHolder } from './common.js';

const DESCRIPTION = 'A change in a delegated directory that is never notified and not covered by a recall.';

export function buildMissedNotify(ctx: ScenarioContext): ExpectedCapture {
  const { run, A, B, dirFh } = cast(ctx, 'missed-notify', DESCRIPTION);
  const g = grantDir(run, A, dirFh, [op.NOTIFY.REMOVE_ENTRY, op.NOTIFY.ADD_ENTRY], 'A:dir#1');

  const a = create(run, B, dirFh, 'a.txt');
  const na = notifyHolder(A, g, dirFh, added(run, 'a.txt', 0x50));
  g.d.change(changeOf(a.call, a.reply, 'ADD', ['a.txt'], 'notified', na.cb));
  run.think(20);

  const rm = B.call([op.putfh(dirFh), op.remove('b.txt')]);
  const rmr = B.reply(rm, [op.ok('OP_PUTFH'), op.removeRes(run.changeInfo())]);
  g.d.change(changeOf(rm, rmr, 'REMOVE', ['b.txt'], 'missed'));
  g.d.problem('missed-notification');
  run.think(20);

  const c = create(run, B, dirFh, 'c.txt');
  const nc = notifyHolder(A, g, dirFh, added(run, 'c.txt', 0x54));
  g.d.change(changeOf(c.call, c.reply, 'ADD', ['c.txt'], 'notified', nc.cb));
  run.think(500);

  giveBack(A, g.d, g.sid, dirFh);
  run.think(5);
  A.close();
  B.close();
  return run.expected({ delegations: [g.d.build()], refusals: [] });
}

export const missedNotify: ScenarioDefinition = { name: 'missed-notify', description: DESCRIPTION, build: buildMissedNotify };

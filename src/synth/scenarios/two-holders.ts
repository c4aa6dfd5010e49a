/**
 * two-holders: clients A and C each hold a directory delegation (with notifications) on the
 * same directory; B's changes are notified to both. A returns its delegation on its own (no
 * recall); C's is still held when the capture ends.
 */
import type { ExpectedCapture } from '../expected.js';
import { changeOf, type ScenarioContext, type ScenarioDefinition } from '../kit.js';
import * as op from '../ops.js';
import { added, cast, create, giveBack, grantDir, notifyHolder } from './common.js';

const DESCRIPTION = 'Two clients hold directory delegations on the same directory; a third client\'s changes notify both.';

export function buildTwoHolders(ctx: ScenarioContext): ExpectedCapture {
  const { run, A, B, C, dirFh } = cast(ctx, 'two-holders', DESCRIPTION, { third: true });
  const notifyBits = [op.NOTIFY.REMOVE_ENTRY, op.NOTIFY.ADD_ENTRY];
  const ga = grantDir(run, A, dirFh, notifyBits, 'A:dir#1');
  const gc = grantDir(run, C!, dirFh, notifyBits, 'C:dir#1');

  const mk = create(run, B, dirFh, 'shared.txt');
  const v1 = added(run, 'shared.txt', 0x40);
  const na = notifyHolder(A, ga, dirFh, v1);
  const nc = notifyHolder(C!, gc, dirFh, v1);
  ga.d.change(changeOf(mk.call, mk.reply, 'ADD', ['shared.txt'], 'notified', na.cb));
  gc.d.change(changeOf(mk.call, mk.reply, 'ADD', ['shared.txt'], 'notified', nc.cb));
  run.think(20);

  const rm = B.call([op.putfh(dirFh), op.remove('stale.txt')]);
  const rmr = B.reply(rm, [op.ok('OP_PUTFH'), op.removeRes(run.changeInfo())]);
  const v2 = [[op.removeEntry('stale.txt', 0x22)]];
  const nc2 = notifyHolder(C!, gc, dirFh, v2);
  const na2 = notifyHolder(A, ga, dirFh, v2);
  ga.d.change(changeOf(rm, rmr, 'REMOVE', ['stale.txt'], 'notified', na2.cb));
  gc.d.change(changeOf(rm, rmr, 'REMOVE', ['stale.txt'], 'notified', nc2.cb));
  run.think(30);

  giveBack(A, ga.d, ga.sid, dirFh);
  run.think(5);
  A.close();
  B.close();
  C!.close();
  return run.expected({ delegations: [ga.d.build(), gc.d.build()], refusals: [] });
}

export const twoHolders: ScenarioDefinition = { name: 'two-holders', description: DESCRIPTION, build: buildTwoHolders };

/**
 * rename-out: A holds directory delegations on "src" and "dst" (REMOVE|ADD|RENAME). B renames
 * src/moving.txt to dst/moved.txt: the source directory's delegation gets a REMOVE
 * notification and the target's an ADD (a cross-directory rename is not a RENAME event).
 */
import type { ExpectedCapture } from '../expected.js';
import { changeOf, type ScenarioContext, type ScenarioDefinition } from '../kit.js';
import * as op from '../ops.js';
import { T0, cast, giveBack, grantDir, notifyHolder } from './common.js';

const DESCRIPTION = 'Cross-directory RENAME out of a delegated directory: REMOVE notification on the source, ADD on the target.';

export function buildRenameOut(ctx: ScenarioContext): ExpectedCapture {
  const { run, A, B, dirFh } = cast(ctx, 'rename-out', DESCRIPTION);
  const dstFh = op.fileHandle(101);
  const bits = [op.NOTIFY.REMOVE_ENTRY, op.NOTIFY.ADD_ENTRY, op.NOTIFY.RENAME_ENTRY];
  const gs = grantDir(run, A, dirFh, bits, 'A:src#1');
  const gd = grantDir(run, A, dstFh, bits, 'A:dst#1');

  // SAVEFH = source directory, current FH = target directory.
  const mv = B.call([op.putfh(dirFh), op.savefh(), op.putfh(dstFh), op.rename('moving.txt', 'moved.txt')]);
  const mvr = B.reply(mv, [op.ok('OP_PUTFH'), op.ok('OP_SAVEFH'), op.ok('OP_PUTFH'), op.renameRes(run.changeInfo(), run.changeInfo())]);
  const ns = notifyHolder(A, gs, dirFh, [[op.removeEntry('moving.txt', 0x0a)]]);
  const nd = notifyHolder(A, gd, dstFh, [[op.addEntry({ name: 'moved.txt', attrs: op.childAttrs({ fileid: 777, size: 12, mtime: T0 - 50 }), cookie: 0x0e, last: true })]]);
  gs.d.change(changeOf(mv, mvr, 'REMOVE', ['moving.txt'], 'notified', ns.cb));
  gd.d.change(changeOf(mv, mvr, 'ADD', ['moved.txt'], 'notified', nd.cb));
  run.think(100);

  giveBack(A, gs.d, gs.sid, dirFh);
  giveBack(A, gd.d, gd.sid, dstFh);
  run.think(5);
  A.close();
  B.close();
  return run.expected({ delegations: [gs.d.build(), gd.d.build()], refusals: [] });
}

export const renameOut: ScenarioDefinition = { name: 'rename-out', description: DESCRIPTION, build: buildRenameOut };

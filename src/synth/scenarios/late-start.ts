/**
 * late-start: the capture starts after the clients connected and after A was granted a
 * directory delegation (ADD notifications), so only B's create with its CB_NOTIFY, B's REMOVE
 * (NFS4ERR_DELAY) with the CB_RECALL, A's return and B's retry appear. The earlier messages
 * are in the expected data with frame 0.
 */
import type { ExpectedCapture } from '../expected.js';
import { changeOf, type ScenarioContext, type ScenarioDefinition } from '../kit.js';
import * as op from '../ops.js';
import { added, cast, create, giveBack, grantDir, notifyHolder } from './common.js';

const DESCRIPTION = 'Capture starts after the directory delegation was granted: only notifications, a conflict recall and the return are seen.';

export function buildLateStart(ctx: ScenarioContext): ExpectedCapture {
  const { run, A, B, dirFh } = cast(ctx, 'late-start', DESCRIPTION, { captureFromStart: false });
  const g = grantDir(run, A, dirFh, [op.NOTIFY.ADD_ENTRY], 'A:dir#1');
  run.think(5_000);
  // tcpdump starts here; both connections are idle (everything acknowledged).
  run.net.capturing = true;

  const mk = create(run, B, dirFh, 'seen.txt');
  const n = notifyHolder(A, g, dirFh, added(run, 'seen.txt', 0x60));
  g.d.change(changeOf(mk.call, mk.reply, 'ADD', ['seen.txt'], 'notified', n.cb));
  run.think(30);

  const rm = B.call([op.putfh(dirFh), op.remove('gone.txt')]);
  const recall = A.cbCall([op.cbRecall(g.sid, dirFh)], { referring: [rm] });
  const rmr = B.reply(rm, [op.ok('OP_PUTFH'), op.err('OP_REMOVE', 'NFS4ERR_DELAY')]);
  const recallReply = A.cbReply(recall);
  g.d.recalled(recall, recallReply, 'conflict', { conflictingCall: rm.ref, referringCall: true });
  giveBack(A, g.d, g.sid, dirFh);
  run.think(40);
  const retry = B.call([op.putfh(dirFh), op.remove('gone.txt')]);
  B.reply(retry, [op.ok('OP_PUTFH'), op.removeRes(run.changeInfo())]);
  g.d.setRecallDetails({ retryCall: retry.ref });
  g.d.change(changeOf(rm, rmr, 'REMOVE', ['gone.txt'], 'recalled', recall));
  g.d.problem('first-seen-late');
  run.think(5);
  A.close();
  B.close();
  const expected = run.expected({ delegations: [g.d.build()], refusals: [] });
  // The grant happened before the capture: the delegation is first seen by its CB_NOTIFY.
  for (const d of expected.delegations) {
    if (d.grant && d.grant.reply.frame === 0) {
      d.grant = null;
      d.events = d.events.filter((e) => e.kind !== 'granted');
    }
  }
  return expected;
}

export const lateStart: ScenarioDefinition = { name: 'late-start', description: DESCRIPTION, build: buildLateStart };

/** The registry of small scripted scenarios (the workload lives in ../workload.ts). */
import type { ScenarioDefinition } from '../kit.js';
import { dirdeleg } from './dirdeleg.js';
import { framing } from './framing.js';
import { lateStart } from './late-start.js';
import { missedNotify } from './missed-notify.js';
import { readDeleg } from './read-deleg.js';
import { recallDuringNotify } from './recall-during-notify.js';
import { renameOut } from './rename-out.js';
import { returnRacesRecall } from './return-races-recall.js';
import { revoked } from './revoked.js';
import { twoHolders } from './two-holders.js';

export const SCENARIOS: readonly ScenarioDefinition[] = [
  dirdeleg,
  recallDuringNotify,
  returnRacesRecall,
  twoHolders,
  revoked,
  missedNotify,
  renameOut,
  lateStart,
  readDeleg,
  framing,
];

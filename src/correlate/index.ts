/** The correlation engine's public surface: delegation lives, causes, statistics, output. */
export { Correlator, type CallContext, type CorrelatorOptions } from './correlator.js';
export {
  formatDelegationsText, formatStatsText, delegationToJson, delegationsToJson, statsToJson, clientsToJson,
  type DelegationTextOptions, type Json,
} from './format.js';
export type * from './types.js';

/** The registry of small scripted scenarios (the workload lives in ../workload.ts). */
import type { ScenarioDefinition } from '../kit.js';
import { dirdeleg } from './dirdeleg.js';

export const SCENARIOS: readonly ScenarioDefinition[] = [dirdeleg];

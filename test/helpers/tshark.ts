/**
 * Running the real tshark binary as a test oracle. With CI=true a missing tshark is an
 * error (the comparison tests must run in CI); elsewhere those tests are skipped.
 */
import { execFileSync, spawnSync } from 'node:child_process';

export const TSHARK = process.env.TSHARK ?? 'tshark';

function probe(): boolean {
  const r = spawnSync(TSHARK, ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

export const tsharkAvailable: boolean = probe();

if (!tsharkAvailable && process.env.CI === 'true') {
  throw new Error(`tshark not found (${TSHARK}): CI=true requires it for the oracle tests`);
}

/** Runs tshark with the given arguments and returns its stdout split into lines. */
export function tsharkLines(args: string[]): string[] {
  const out = execFileSync(TSHARK, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter((l) => l.length > 0);
}

/**
 * tshark -T fields output as rows of fields (tab separated); a field with several
 * occurrences is split on ',' into an array.
 */
export function tsharkFields(file: string, fields: string[], extra: string[] = []): string[][][] {
  const args = ['-r', file, '-T', 'fields', ...extra];
  for (const f of fields) args.push('-e', f);
  return tsharkLines(args).map((line) => line.split('\t').map((cell) => (cell === '' ? [] : cell.split(','))));
}

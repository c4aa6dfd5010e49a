/**
 * The generated captures kept in captures/: which scenario makes which file. Regenerate
 * them with `npx tsx src/synth/bundled.ts` (the test bundled.test.ts checks they are current).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runScenario } from './index.js';
import { SCENARIOS } from './scenarios/index.js';

export interface BundledCapture {
  scenario: string;
  /** Path relative to the repository root. */
  file: string;
  /** The scenario's expected data as JSON, next to it. */
  expectedFile: string;
}

export const BUNDLED: readonly BundledCapture[] = SCENARIOS.map((s) => {
  const file = s.name === 'dirdeleg' ? 'captures/demo-dirdeleg.pcap' : `captures/synth-${s.name}.pcap`;
  return { scenario: s.name, file, expectedFile: file.replace(/\.pcap$/, '.expected.json') };
});

/** JSON text of expected data (bigint-free already; stable key order from construction). */
export function expectedJson(value: unknown): string {
  return JSON.stringify(value, null, 1) + '\n';
}

async function main(): Promise<void> {
  const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
  for (const b of BUNDLED) {
    const r = await runScenario(b.scenario, join(root, b.file));
    writeFileSync(join(root, b.expectedFile), expectedJson(r.expected));
    console.log(`${b.file}: ${r.frames} frames, ${r.bytes} bytes`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}

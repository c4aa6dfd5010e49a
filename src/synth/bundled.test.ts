import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLED, expectedJson } from './bundled.js';
import { runScenario } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'nfscope-bundled-'));
const root = join(import.meta.dirname, '..', '..');

describe('bundled synthetic captures in captures/', () => {
  it('include the demo capture', () => {
    expect(BUNDLED.map((b) => b.file)).toContain('captures/demo-dirdeleg.pcap');
  });
  for (const b of BUNDLED) {
    it(`${b.file} and its expected data are what the scenario generates now`, async () => {
      const out = join(dir, b.file.split('/').pop()!);
      const r = await runScenario(b.scenario, out);
      expect(readFileSync(out).equals(readFileSync(join(root, b.file))), `${b.file} is stale: run npx tsx src/synth/bundled.ts`).toBe(true);
      expect(readFileSync(join(root, b.expectedFile), 'utf8')).toBe(expectedJson(r.expected));
    });
  }
});

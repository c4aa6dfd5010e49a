/**
 * `nfscope deleg` as a user runs it: on a capture with more finished delegations than it
 * keeps (--keep), the output shows the last ones to finish and says how many it left out.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, ROOT } from '../../test/helpers/cli.js';

const LINUX = join(ROOT, 'captures', 'linux-6.1-nfsd-v41-deleg-recall.pcap');
/** Delegations in one copy of LINUX. */
const PER_COPY = 8;

/**
 * The classic (microsecond, little-endian) pcap `copies` times over, each copy `gapSec`
 * later than the one before: the earlier copies' delegations end long before the capture
 * does, so the correlator retires them while it reads.
 */
function replayed(copies: number, gapSec: number): Buffer {
  const file = readFileSync(LINUX);
  expect(file.readUInt32LE(0)).toBe(0xa1b2c3d4);
  const parts: Buffer[] = [file.subarray(0, 24)];
  for (let k = 0; k < copies; k++) {
    for (let o = 24; o + 16 <= file.length; ) {
      const caplen = file.readUInt32LE(o + 8);
      const rec = Buffer.from(file.subarray(o, o + 16 + caplen));
      rec.writeUInt32LE(rec.readUInt32LE(0) + k * gapSec, 0);
      parts.push(rec);
      o += 16 + caplen;
    }
  }
  return Buffer.concat(parts);
}

describe('deleg --keep', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nfscope-deleg-'));
  const capture = join(dir, 'replayed.pcap');
  writeFileSync(capture, replayed(4, 1000));
  const heads = (stdout: string): string[] => stdout.split('\n').filter((l) => l.startsWith('Delegation #'));

  it('shows every delegation when all fit, and says nothing about left-out ones', () => {
    const r = runCli(['deleg', capture]);
    expect(r.status).toBe(0);
    expect(heads(r.stdout)).toHaveLength(4 * PER_COPY);
    expect(r.stderr).not.toMatch(/not shown/);
  });

  it('keeps the last finished ones and says how many earlier ones it did not show (text and JSON)', () => {
    const all = heads(runCli(['deleg', capture]).stdout);
    const r = runCli(['deleg', '--keep', '3', capture]);
    expect(r.status).toBe(0);
    const shown = heads(r.stdout);
    // The first three copies' delegations finish during the capture (3 x 8 = 24, 3 kept);
    // the last copy's are still tracked at the end and are all shown.
    expect(shown).toHaveLength(3 + PER_COPY);
    expect(shown).toEqual(all.slice(3 * PER_COPY - 3));
    expect(r.stderr).toContain(`${3 * PER_COPY - 3} earlier finished delegation(s) not shown: only the last 3 to finish are kept`);

    const j = runCli(['deleg', '--json', '--keep', '3', capture]);
    expect(j.status).toBe(0);
    expect((JSON.parse(j.stdout) as unknown[]).length).toBe(3 + PER_COPY);
    expect(j.stderr).toContain(`${3 * PER_COPY - 3} earlier finished delegation(s) not shown`);
  });

  it('refuses a keep that is not a positive integer', () => {
    const r = runCli(['deleg', '--keep', '0', capture]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

/**
 * The correlator's per-procedure service response times against tshark's `-z rpc,srt`
 * (the real tshark as oracle): same number of answered calls, same min / max / mean.
 */
import { describe, expect, it } from 'vitest';
import { tsharkAvailable, tsharkLines } from '../../test/helpers/tshark.js';
import { openCapture } from '../sources/index.js';
import { runEngine } from '../engine.js';
import { Correlator } from './correlator.js';

interface SrtRow { calls: number; min: number; max: number; avg: number }

function tsharkSrt(file: string): Map<string, SrtRow> {
  const rows = new Map<string, SrtRow>();
  for (const line of tsharkLines(['-r', file, '-q', '-z', 'rpc,srt,100003,4'])) {
    const m = /^\s*\d+\s+(\S+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+[\d.]+\s*$/.exec(line);
    if (m !== null) rows.set(m[1], { calls: Number(m[2]), min: Number(m[3]), max: Number(m[4]), avg: Number(m[5]) });
  }
  return rows;
}

const FILES = ['linux-6.1-nfsd-v41-deleg-recall.pcap', 'linux-6.1-nfsd-v40-deleg-recall.pcap', 'pynfs-v41-deleg-suite.pcap', 'ganesha-proxy-v41-scenario.pcap'];

describe.skipIf(!tsharkAvailable)('SRT per procedure vs tshark -z rpc,srt,100003,4', () => {
  it.each(FILES)('%s', async (file) => {
    const want = tsharkSrt(`captures/${file}`);
    expect(want.size).toBeGreaterThan(0);
    const engine = await runEngine(await openCapture(`captures/${file}`), { correlator: new Correlator() });
    const rows = engine.correlator?.stats().procedures ?? [];
    for (const [name, w] of want) {
      const got = rows.find((r) => r.name === name);
      expect(got, name).toBeDefined();
      if (got === undefined) continue;
      expect(got.count - got.unanswered, `${name} answered calls`).toBe(w.calls);
      expect(got.min).toBeCloseTo(w.min, 5);
      expect(got.max).toBeCloseTo(w.max, 5);
      expect(got.mean).toBeCloseTo(w.avg, 5);
    }
  });
});

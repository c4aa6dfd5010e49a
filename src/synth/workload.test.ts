import { describe, expect, it } from 'vitest';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario } from './index.js';
import { tsharkAvailable, tsharkFields } from '../../test/helpers/tshark.js';

const dir = mkdtempSync(join(tmpdir(), 'nfscope-workload-'));

describe('workload', () => {
  it('stops at the packet budget (plus the closing handshakes)', async () => {
    const r = await runScenario('workload', join(dir, 'p.pcap'), { packets: 3000 });
    expect(r.frames).toBeGreaterThanOrEqual(3000);
    // After the budget: at most one exchange (a few segments) and 32 closes of 3-5 frames.
    expect(r.frames).toBeLessThan(3000 + 32 * 5 + 40);
    expect(statSync(r.path).size).toBe(r.bytes);
  });

  it('stops at the byte budget and streams a file larger than the chunk size', async () => {
    const r = await runScenario('workload', join(dir, 'b.pcapng'), { bytes: 12 << 20, format: 'pcapng' });
    expect(r.bytes).toBeGreaterThanOrEqual(12 << 20);
    expect(r.bytes).toBeLessThan((12 << 20) + 200_000);
    expect(r.workload!.delegations).toBeGreaterThan(0);
    expect(r.workload!.notifications).toBeGreaterThan(0);
    expect(r.workload!.recalls).toBeGreaterThan(0);
  });

  it('is reproducible for a seed', async () => {
    const a = await runScenario('workload', join(dir, 's1.pcap'), { packets: 2000, seed: 5 });
    const b = await runScenario('workload', join(dir, 's2.pcap'), { packets: 2000, seed: 5 });
    expect(a.bytes).toBe(b.bytes);
    expect(a.workload!.calls).toBe(b.workload!.calls);
  });

  it.skipIf(!tsharkAvailable)('tshark: every call answered, valid checksums, no TCP analysis flags', async () => {
    const r = await runScenario('workload', join(dir, 't.pcap'), { packets: 8000 });
    const w = r.workload!;
    const rows = tsharkFields(r.path, ['rpc.msgtyp']).filter((x) => x[0].length > 0);
    const calls = rows.reduce((n, x) => n + x[0].filter((t) => t === '0').length, 0);
    const replies = rows.reduce((n, x) => n + x[0].filter((t) => t === '1').length, 0);
    expect(calls).toBe(w.calls + w.callbacks);
    expect(replies).toBe(w.calls + w.callbacks);
    const bad = tsharkFields(r.path, ['frame.number'], ['-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', '-Y', 'tcp.analysis.flags || tcp.checksum.status==Bad || ip.checksum.status==Bad']);
    expect(bad).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listScenarios, runScenario } from './index.js';
import { runEngine, type AnalyzedMessage } from '../engine.js';
import { Correlator } from '../correlate/correlator.js';
import { openCapture } from '../sources/open.js';
import type { CaptureFormat } from './captureWriter.js';

const dir = mkdtempSync(join(tmpdir(), 'nfscope-synth-engine-'));

async function analyze(path: string, correlate = false) {
  const messages: AnalyzedMessage[] = [];
  const engine = await runEngine(await openCapture(path), { correlator: correlate ? new Correlator() : undefined, onMessage: (m) => messages.push(m) });
  return { engine, messages };
}

describe('the project pipeline (src/engine.ts) decodes every synthetic scenario', () => {
  for (const s of listScenarios().filter((x) => !x.workload)) {
    for (const format of ['pcap', 'pcapng'] as CaptureFormat[]) {
      it(`${s.name} (${format}): same RPC messages, frames, xids, ops and statuses`, async () => {
        const path = join(dir, `${s.name}.${format}`);
        const r = await runScenario(s.name, path, { format });
        const expected = r.expected!;
        const { engine, messages } = await analyze(path);
        const want = expected.messages.filter((m) => m.frame !== 0);
        const got = messages.map((m) => ({
          frame: m.rpc.record.frame,
          xid: m.rpc.xid,
          msgtyp: m.rpc.type === 'call' ? 0 : 1,
          ops: m.nfs?.ops.map((o) => o.op) ?? [],
          status: m.nfs?.status,
        }));
        expect(got).toEqual(want.map((m) => ({ frame: m.frame, xid: m.xid, msgtyp: m.msgtyp, ops: m.ops, status: m.status })));
        const sum = engine.summary();
        expect(sum.malformedNfs).toBe(0);
        expect(sum.framesRead).toBe(expected.frames);
      });
    }
  }
});

describe('the workload through the pipeline', () => {
  it('every call is answered and every frame is accounted for', async () => {
    const path = join(dir, 'workload.pcap');
    const r = await runScenario('workload', path, { packets: 20_000 });
    const w = r.workload!;
    const { engine, messages } = await analyze(path);
    const sum = engine.summary();
    expect(sum.framesRead).toBe(r.frames);
    expect(sum.calls).toBe(w.calls + w.callbacks);
    expect(sum.replies).toBe(w.calls + w.callbacks);
    expect(sum.orphanReplies).toBe(0);
    expect(sum.unansweredCalls).toBe(0);
    expect(sum.malformedNfs).toBe(0);
    expect(messages.filter((m) => m.nfs?.ops.some((o) => o.op === 'CB_NOTIFY') && m.rpc.type === 'call').length).toBe(w.notifications);
  });
});

/**
 * The correlator (src/correlate) against the scenarios' expected delegation lives: every
 * delegation found by its stateid, in the right end state, with the right number of
 * notifications, the recall with its cause, and the problems the scenario says it must report.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listScenarios, runScenario } from './index.js';
import { runEngine } from '../engine.js';
import { Correlator } from '../correlate/correlator.js';
import { openCapture } from '../sources/open.js';

const dir = mkdtempSync(join(tmpdir(), 'nfscope-synth-corr-'));
const END_STATES: Record<string, string[]> = { returned: ['returned'], revoked: ['revoked', 'freed'], open: ['active'] };

describe('correlator vs synthetic scenarios', () => {
  for (const s of listScenarios().filter((x) => !x.workload)) {
    it(s.name, async () => {
      const r = await runScenario(s.name, join(dir, `${s.name}.pcap`));
      const engine = await runEngine(await openCapture(r.path), { correlator: new Correlator() });
      const got = engine.correlator!.delegations();
      const expected = r.expected!;
      expect(got.filter((d) => d.stateid).length).toBe(expected.delegations.length);
      for (const want of expected.delegations) {
        const d = got.find((x) => x.stateid?.other === want.stateidOther);
        expect(d, want.id).toBeDefined();
        if (!d) continue;
        expect(d.kind, want.id).toBe(want.type);
        expect(d.fh, want.id).toBe(want.fh);
        expect(END_STATES[want.end.kind], `${want.id} state ${d.state}`).toContain(d.state);
        const notified = d.events.filter((e) => e.kind === 'notified');
        expect(notified.map((e) => e.frame), `${want.id} CB_NOTIFY frames`).toEqual(want.events.filter((e) => e.kind === 'notified').map((e) => e.call.frame));
        const granted = d.events.find((e) => e.kind === 'granted');
        if (want.grant) expect(granted?.frame, `${want.id} grant`).toBe(want.grant.reply.frame);
        else expect(granted, `${want.id} grant not in capture`).toBeUndefined();
        const recalled = d.events.find((e) => e.kind === 'recalled');
        if (want.recall) {
          expect(recalled?.frame, `${want.id} recall`).toBe(want.recall.call.frame);
          if (recalled?.kind === 'recalled') {
            expect(recalled.cause.kind, `${want.id} cause`).toBe(want.recall.cause);
            if (recalled.cause.kind === 'conflict' && want.recall.conflictingCall) {
              expect(recalled.cause.call.callFrame, `${want.id} conflicting call`).toBe(want.recall.conflictingCall.frame);
            }
          }
        } else expect(recalled, `${want.id} no recall`).toBeUndefined();
        if (want.end.kind === 'returned') {
          const ret = d.events.find((e) => e.kind === 'returned');
          expect(ret?.frame, `${want.id} return`).toBe(want.end.call.frame);
        }
        const problems = d.problems.map((p) => p.kind);
        for (const p of want.problems) expect(problems, `${want.id} problems`).toContain(p);
        if (want.notificationsComplete) expect(problems).not.toContain('missed-notification');
      }
      const unavailable = got.filter((d) => d.state === 'unavailable');
      expect(unavailable.map((d) => d.fh)).toEqual(expected.refusals.map((x) => x.fh));
    });
  }
});

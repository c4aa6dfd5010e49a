/**
 * The correlator on real captures through the whole pipeline. Expected frames come from the
 * capture documentation (captures/README.md, /work/shared/captures/README.txt as copied into
 * the test constants below) and from the crafted capture's truth file.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../sources/index.js';
import { Engine, runEngine } from '../engine.js';
import { Correlator } from './correlator.js';
import type { DelegationEvent, DelegationRecord } from './types.js';
import { delegationsToJson, formatDelegationsText, formatStatsText } from './format.js';

async function correlate(file: string): Promise<Correlator> {
  const src = await openCapture(`captures/${file}`);
  const engine = await runEngine(src, { correlator: new Correlator() });
  if (engine.correlator === undefined) throw new Error('engine made no correlator');
  return engine.correlator;
}

function framesOf(ds: readonly DelegationRecord[], kind: DelegationEvent['kind']): number[] {
  return ds.flatMap((d) => d.events.filter((e) => e.kind === kind).map((e) => e.frame)).sort((a, b) => a - b);
}

describe('pynfs v4.1 read delegation recall', () => {
  it('grant 39, CB_RECALL 49/50 caused by session 2\'s OPEN (NFS4ERR_DELAY frame 51), DELEGRETURN 53/54', async () => {
    const c = await correlate('pynfs-v41-deleg-recall.pcap');
    const ds = c.delegations();
    expect(ds).toHaveLength(1);
    const d = ds[0];
    expect(d.kind).toBe('read');
    expect(d.state).toBe('returned');
    expect(d.events.map((e) => [e.kind, e.frame])).toEqual([['granted', 39], ['recalled', 49], ['returned', 53]]);
    const rec = d.events[1];
    if (rec.kind !== 'recalled') throw new Error('not a recall');
    expect(rec.reply).toMatchObject({ frame: 50, status: 'NFS4_OK' });
    if (rec.cause.kind !== 'conflict') throw new Error(`cause ${rec.cause.kind}`);
    expect(rec.cause.call).toMatchObject({ op: 'OPEN', replyFrame: 51, status: 'NFS4ERR_DELAY' });
    expect(rec.cause.call.client).not.toBe(d.holder);
    expect(rec.cause.delayed.map((x) => x.replyFrame)).toEqual([51]);
    const ret = d.events[2];
    expect(ret.kind === 'returned' && ret.reply).toMatchObject({ frame: 54, status: 'NFS4_OK' });
    expect(d.name).toMatch(/^\/a\/tmp\/DELEG1_/);
    expect(d.problems).toEqual([]);
  });
});

describe('pynfs v4.1 delegation suite', () => {
  it('5 read delegation grants, 4 recalls each caused by another client\'s OPEN, 4 returns; a reused stateid kept apart', async () => {
    const c = await correlate('pynfs-v41-deleg-suite.pcap');
    const ds = c.delegations();
    expect(framesOf(ds, 'granted')).toHaveLength(5);
    expect(framesOf(ds, 'recalled')).toHaveLength(4);
    expect(framesOf(ds, 'returned')).toHaveLength(4);
    // pynfs' server hands out the same stateid `other` to every delegation
    expect(new Set(ds.map((d) => d.stateid?.other)).size).toBe(1);
    expect(ds).toHaveLength(5);
    for (const d of ds) {
      const r = d.events.find((e) => e.kind === 'recalled');
      if (r?.kind !== 'recalled') continue;
      expect(r.cause.kind).toBe('conflict');
      if (r.cause.kind === 'conflict') {
        expect(r.cause.call.op).toBe('OPEN');
        expect(r.cause.call.client).not.toBe(d.holder);
      }
    }
    expect(ds.flatMap((d) => d.problems.map((p) => p.kind))).toEqual(['duplicate-grant']);
  });
});

// From the capture README: OPEN replies granting READ delegations, CB_RECALL calls,
// DELEGRETURN calls, the OPEN under the delegation.
const LINUX = {
  'linux-6.1-nfsd-v41-deleg-recall.pcap': {
    grants: [129, 149, 153, 157, 190, 207, 221, 225], recalls: [134, 161, 167, 173, 194, 229],
    returns: [137, 164, 170, 176, 200, 211, 232, 248], openedUnder: [197], voluntary: 211,
  },
  'linux-6.1-nfsd-v40-deleg-recall.pcap': {
    grants: [127, 148, 152, 156, 186, 203, 217, 221], recalls: [132, 160, 166, 170, 190, 225],
    returns: [135, 163, 168, 172, 196, 207, 228, 244], openedUnder: [193], voluntary: 207,
  },
} as const;

describe.each(Object.entries(LINUX))('Linux nfsd %s', (file, exp) => {
  it('grants, recalls, returns and the OPEN under a delegation at the documented frames', async () => {
    const c = await correlate(file);
    const ds = c.delegations();
    expect(ds).toHaveLength(exp.grants.length);
    expect(framesOf(ds, 'granted')).toEqual(exp.grants);
    expect(framesOf(ds, 'recalled')).toEqual(exp.recalls);
    expect(framesOf(ds, 'returned')).toEqual(exp.returns);
    expect(framesOf(ds, 'opened-under')).toEqual(exp.openedUnder);
    for (const d of ds) {
      expect(d.kind).toBe('read');
      expect(d.state).toBe('returned');
      expect(d.firstSeenAs).toBe('granted');
      expect(d.problems).toEqual([]);
      expect(d.holder).toMatch(/^0x[0-9a-f]{16}$/);
      const kinds = d.events.map((e) => e.kind);
      // every recall is followed by the return; the voluntary return has no recall
      if (kinds.includes('recalled')) expect(kinds.indexOf('recalled')).toBeLessThan(kinds.indexOf('returned'));
      const ret = d.events.find((e) => e.kind === 'returned');
      if (ret?.frame === exp.voluntary) expect(kinds).not.toContain('recalled');
      // server-local changes: no conflicting call from another client exists
      for (const e of d.events) if (e.kind === 'recalled') expect(e.cause.kind).toBe('unknown');
    }
    // One client in each capture.
    expect(new Set(ds.map((d) => d.holder)).size).toBe(1);
    const st = c.stats();
    expect(st.delegations.recallToReturn.count).toBe(exp.recalls.length);
    expect(st.cbOps.find((r) => r.name === 'CB_RECALL')?.count).toBe(exp.recalls.length);
    expect(st.ops.find((r) => r.name === 'DELEGRETURN')?.count).toBe(exp.returns.length);
    const names = ds.map((d) => d.name);
    expect(names).toContain('/file1');
    expect(names).toContain('/dir1/sub/deep.txt');
  });
});

interface TruthDeleg {
  stateid: { seqid: number; other: string };
  dir_fh: string;
  notifications: Array<{ cause: string; cb_call_frames: number[] }>;
  recall?: { cause: string; cb_call_frame: number };
  granted: { gdd_call_frame: number; gdd_reply_frame: number };
  returned?: { delegreturn_call_frame: number; delegreturn_reply_frame: number };
  conflicting_op_retry?: { xid: string; call_frame: number; reply_frame: number };
}

describe('crafted directory delegations with CB_NOTIFY (truth file)', () => {
  const truth = JSON.parse(readFileSync('captures/crafted-dirdeleg-notify-1.truth.json', 'utf8')) as {
    delegations: TruthDeleg[];
    filehandles: { dir2: string };
    clientids: Record<string, string>;
  };

  it('every delegation of the truth file: grant, notifications, recall and its cause, return', async () => {
    const c = await correlate('crafted-dirdeleg-notify-1.pcap');
    const ds = c.delegations();
    for (const t of truth.delegations) {
      const d = ds.find((x) => x.stateid?.other === t.stateid.other);
      expect(d, t.stateid.other).toBeDefined();
      if (d === undefined) continue;
      expect(d.kind).toBe('directory');
      expect(d.fh).toBe(t.dir_fh);
      expect(d.holder).toBe(truth.clientids.A);
      const g = d.events.find((e) => e.kind === 'granted');
      expect(g?.frame).toBe(t.granted.gdd_reply_frame);
      expect(g?.kind === 'granted' && g.callFrame).toBe(t.granted.gdd_call_frame);
      expect(framesOf([d], 'notified')).toEqual(t.notifications.flatMap((n) => n.cb_call_frames).sort((a, b) => a - b));
      if (t.recall !== undefined) {
        const r = d.events.find((e) => e.kind === 'recalled');
        expect(r?.frame).toBe(t.recall.cb_call_frame);
        if (r?.kind !== 'recalled') continue;
        if (/overflow/.test(t.recall.cause)) {
          expect(r.cause.kind).toBe('overflow');
          if (r.cause.kind === 'overflow') {
            const burst = t.notifications.find((n) => /burst/.test(n.cause));
            for (const f of burst?.cb_call_frames ?? []) expect(r.cause.notifyFrames).toContain(f);
          }
        } else {
          const m = /conflicting (\w+) .*xid (0x[0-9a-f]+)/.exec(t.recall.cause);
          expect(m).not.toBeNull();
          expect(r.cause.kind).toBe('conflict');
          if (r.cause.kind === 'conflict' && m !== null) {
            expect(r.cause.call.op).toBe(m[1]);
            expect(r.cause.call.xid).toBe(Number(m[2]));
            expect(r.cause.call.client).toBe(truth.clientids.B);
            expect(r.cause.call.status).toBe('NFS4ERR_DELAY');
            expect(r.cause.retry?.callFrame).toBe(t.conflicting_op_retry?.call_frame);
            expect(r.cause.retry?.replyFrame).toBe(t.conflicting_op_retry?.reply_frame);
          }
        }
      }
      if (t.returned !== undefined) {
        const r = d.events.find((e) => e.kind === 'returned');
        expect(r?.frame).toBe(t.returned.delegreturn_call_frame);
        expect(r?.kind === 'returned' && r.reply?.frame).toBe(t.returned.delegreturn_reply_frame);
        expect(d.state).toBe('returned');
      }
      // every change by B was notified, and every notification matched a change by B
      expect(d.problems).toEqual([]);
      for (const e of d.events) {
        if (e.kind !== 'notified') continue;
        for (const x of e.entries) expect(x.mutation?.client).toBe(truth.clientids.B);
      }
    }
    const unavailable = ds.find((x) => x.fh === truth.filehandles.dir2);
    expect(unavailable?.state).toBe('unavailable');
    expect(unavailable?.events.map((e) => e.kind)).toEqual(['unavailable']);
  });

  it('text and JSON output carry the timeline', async () => {
    const c = await correlate('crafted-dirdeleg-notify-1.pcap');
    const text = formatDelegationsText(c.delegations());
    expect(text).toMatch(/recalled +CB_RECALL .*\n +cause: overflow/);
    expect(text).toMatch(/cause: conflict - SETATTR by 0x5f00000100000012 \(call frame 116 -> NFS4ERR_DELAY frame 118\)/);
    expect(text).toMatch(/retry succeeded: SETATTR call 133 -> NFS4_OK frame 134/);
    const json = JSON.parse(JSON.stringify(delegationsToJson(c.delegations()))) as Array<Record<string, unknown>>;
    expect(json.map((d) => d.kind)).toEqual(['directory', 'directory', 'directory']);
    expect(json[0].stateid).toEqual({ seqid: 1, other: 'dd010000d1e0000000000001' });
    const stats = formatStatsText(c.stats());
    expect(stats).toMatch(/CB_NOTIFY +12 /);
    expect(stats).toMatch(/recall causes: (overflow 1, conflict 1|conflict 1, overflow 1)/);
  });
});

describe('incremental use (live capture)', () => {
  it('the delegation life is visible frame by frame, before the end of the capture', async () => {
    const src = await openCapture('captures/pynfs-v41-deleg-recall.pcap');
    const engine = new Engine({ correlator: new Correlator() });
    const seen: Array<[number, string, number]> = [];
    for await (const batch of src.batches()) {
      for (const frame of batch) {
        engine.feed(frame);
        const d = engine.correlator?.delegations()[0];
        if (d !== undefined && (seen.length === 0 || seen[seen.length - 1][1] !== d.state || seen[seen.length - 1][2] !== d.events.length)) {
          seen.push([frame.no, d.state, d.events.length]);
        }
      }
    }
    expect(seen).toEqual([[39, 'active', 1], [49, 'recalled', 2], [53, 'recalled', 3], [54, 'returned', 3]]);
  });
});

interface SynthRef { frame: number }
interface SynthDeleg {
  id: string;
  stateidOther: string;
  problems: string[];
  recall: { call: SynthRef; cause: string; conflictingCall?: SynthRef; retryCall?: SynthRef; referringCall?: boolean } | null;
  changes: Array<{ call: SynthRef; by: string; change: string; names: string[]; delivery: string; deliveredBy?: SynthRef }>;
}

const SYNTH = ['synth-late-start', 'synth-missed-notify', 'synth-read-deleg', 'synth-recall-during-notify', 'synth-rename-out',
  'synth-return-races-recall', 'synth-revoked', 'synth-two-holders', 'demo-dirdeleg'];

describe.each(SYNTH)('synthetic capture %s (expected.json)', (name) => {
  it('exact problems, recall cause with conflicting call and retry, and how every change reached the holder', async () => {
    const expected = JSON.parse(readFileSync(`captures/${name}.expected.json`, 'utf8')) as { delegations: SynthDeleg[] };
    const c = await correlate(`${name}.pcap`);
    const ds = c.delegations();
    for (const want of expected.delegations) {
      const d = ds.find((x) => x.stateid?.other === want.stateidOther);
      expect(d, want.id).toBeDefined();
      if (d === undefined) continue;
      expect([...new Set(d.problems.map((p) => p.kind))].sort(), want.id).toEqual([...new Set(want.problems)].sort());
      const rec = d.events.find((e) => e.kind === 'recalled');
      if (want.recall === null) expect(rec).toBeUndefined();
      else {
        expect(rec?.frame).toBe(want.recall.call.frame);
        if (rec?.kind === 'recalled') {
          expect(rec.cause.kind).toBe(want.recall.cause);
          if (rec.cause.kind === 'conflict') {
            expect(rec.cause.call.callFrame).toBe(want.recall.conflictingCall?.frame);
            expect(rec.cause.retry?.callFrame).toBe(want.recall.retryCall?.frame);
            if (want.recall.referringCall === true) expect(rec.cause.via).toBe('referring-call');
          }
        }
      }
      for (const ch of want.changes) {
        if (ch.call.frame === 0) continue; // before the capture
        if (ch.delivery === 'notified') {
          const n = d.events.find((e) => e.kind === 'notified' && e.frame === ch.deliveredBy?.frame);
          const entries = n?.kind === 'notified' ? n.entries : [];
          expect(entries.some((x) => x.mutation?.callFrame === ch.call.frame), `${want.id} change at ${ch.call.frame}`).toBe(true);
        } else if (ch.delivery === 'missed') {
          expect(d.problems.some((p) => p.kind === 'missed-notification' && p.frame === ch.call.frame)).toBe(true);
        } else {
          expect(d.problems.some((p) => p.frame === ch.call.frame)).toBe(false);
          // an overflow recall names the changes it left unnotified
          if (rec?.kind === 'recalled' && rec.cause.kind === 'overflow') {
            expect(rec.cause.unnotified.map((u) => u.callFrame)).toContain(ch.call.frame);
          }
        }
      }
    }
  });
});

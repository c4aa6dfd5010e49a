/**
 * The engine on every bundled capture, against tshark: per frame holding RPC, the xids,
 * call/reply, program, version, procedure and (for replies) the call's frame. Also the
 * frame accounting: every frame is either with RPC or counted with a reason.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsharkAvailable, tsharkFields } from '../test/helpers/tshark.js';
import { runEngine, type AnalyzedMessage } from './engine.js';
import { openCapture } from './sources/index.js';

const CAPTURES = join(import.meta.dirname, '..', 'captures');
const FILES = [
  ...readdirSync(CAPTURES).filter((f) => f.endsWith('.pcap')),
  ...readdirSync(join(CAPTURES, 'public')).filter((f) => f.endsWith('.pcap')).map((f) => join('public', f)),
];

async function analyze(file: string): Promise<{ messages: AnalyzedMessage[]; engine: Awaited<ReturnType<typeof runEngine>> }> {
  const messages: AnalyzedMessage[] = [];
  const engine = await runEngine(await openCapture(join(CAPTURES, file)), { onMessage: (m) => messages.push(m) });
  return { messages, engine };
}

/** "frame<TAB>xids<TAB>types<TAB>programs<TAB>versions<TAB>procedures<TAB>call frames" */
function ourRows(messages: AnalyzedMessage[]): string[] {
  const byFrame = new Map<number, AnalyzedMessage[]>();
  for (const m of messages) {
    const list = byFrame.get(m.rpc.record.frame) ?? [];
    list.push(m);
    byFrame.set(m.rpc.record.frame, list);
  }
  return [...byFrame.entries()].sort((a, b) => a[0] - b[0]).map(([frame, ms]) => [
    frame,
    ms.map((m) => '0x' + m.rpc.xid.toString(16).padStart(8, '0')).join(','),
    ms.map((m) => (m.rpc.type === 'call' ? 0 : 1)).join(','),
    ms.map((m) => m.rpc.program ?? '').join(','),
    ms.map((m) => m.rpc.version ?? '').join(','),
    ms.map((m) => m.rpc.procedure ?? '').join(','),
    ms.filter((m) => m.rpc.callFrame !== undefined).map((m) => m.rpc.callFrame).join(','),
  ].join('\t'));
}

/**
 * tshark 4.0 repeats rpc.programversion once more for NFS (the NFS tree adds it again):
 * "4,4" for one message. Keep one value per message.
 */
function tsharkRows(file: string): string[] {
  const rows = tsharkFields(join(CAPTURES, file), [
    'frame.number', 'rpc.xid', 'rpc.msgtyp', 'rpc.program', 'rpc.programversion', 'rpc.procedure', 'rpc.repframe',
  ]);
  return rows.filter((r) => r[1].length > 0).map((r) => {
    const n = r[1].length;
    const versions = r[4].length === 2 * n ? r[4].filter((_, i) => i % 2 === 0) : r[4];
    return [r[0][0], r[1].join(','), r[2].join(','), r[3].join(','), versions.join(','), r[5].join(','), r[6].join(',')].join('\t');
  });
}

describe.skipIf(!tsharkAvailable)('engine vs tshark on every capture', () => {
  for (const file of FILES) {
    it(`${file}: xid, call/reply, program, version, procedure and call frame per frame`, async () => {
      const { messages } = await analyze(file);
      expect(messages.length).toBeGreaterThan(0);
      expect(ourRows(messages)).toEqual(tsharkRows(file));
    });
  }
});

describe('frame accounting', () => {
  for (const file of FILES) {
    it(`${file}: every frame is with RPC or counted with a reason`, async () => {
      const { engine } = await analyze(file);
      const s = engine.summary();
      const notDecoded = s.notDecoded.reduce((n, [, c]) => n + c, 0);
      expect(s.framesRead).toBeGreaterThan(0);
      expect(s.framesWithRpc + notDecoded).toBe(s.framesRead);
      expect(s.notDecoded.every(([, c]) => c >= 0)).toBe(true);
    });
  }

  it('crafted capture: the kernel retransmission and handshake frames are named', async () => {
    const { engine } = await analyze('crafted-dirdeleg-notify-1.pcap');
    const reasons = new Map(engine.summary().notDecoded);
    expect(reasons.get('TCP retransmission')).toBe(1);
    expect(reasons.get('TCP segment without payload')).toBeGreaterThan(0);
    // Records written in 29- and 37-byte chunks leave frames that only carry part of a record.
    expect(reasons.get('TCP segment of a multi-segment RPC record')).toBeGreaterThan(0);
  });

  it('learns the callback program and decodes every CB_COMPOUND of the crafted capture', async () => {
    const { messages, engine } = await analyze('crafted-dirdeleg-notify-1.pcap');
    expect(engine.callbacks.has(0x40000000)).toBe(true);
    const cb = messages.filter((m) => m.nfs?.program === 'NFS_CB');
    expect(cb.length).toBeGreaterThan(20);
    expect(cb.every((m) => m.nfs!.malformed === undefined && m.nfs!.ops.every((o) => o.malformed === undefined))).toBe(true);
    expect(engine.summary().malformedNfs).toBe(0);
  });
});

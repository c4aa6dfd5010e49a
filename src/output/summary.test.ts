import { describe, expect, it } from 'vitest';
import { gddCall, gddReply } from '../../dissectors/fields/testdata/messages.js';
import { ByteWriter } from './byte-writer.js';
import type { RpcMessage } from '../rpc/types.js';
import type { ConnectionKey } from '../tcp/types.js';
import { fieldSourceOf } from './source.js';
import { formatSummaryLine, writeSummaryLine } from './summary.js';

/** The time column of a call at `relTime` seconds. */
function timeColumn(relTime: number): string {
  const afterFrame = formatSummaryLine({ ...gddCall(), relTime }).slice(6);
  return afterFrame.slice(0, afterFrame.indexOf(' 10.0.0.5:812 '));
}

describe('summary line pieces written as bytes', () => {
  it('writes relative times exactly as toFixed(6).padStart(11), ties and odd values included', () => {
    const values = [
      0, 1e-7, 4.9999e-7, 5e-7, 5.000001e-7, 1.5e-6, 2.5e-6, 0.0000125, 0.1234565, 1.0000005, 59.9999995,
      65.062103, 99999.9999995, 999999.999999, 999999.9999995, 1e6, 123456789.1234565, 1e21, 1.5e22,
      -0.0000004, -1.5, -0, NaN, Infinity, -Infinity,
    ];
    // Sums as relativeTime computes them: whole seconds plus nanoseconds / 1e9.
    for (let i = 0; i < 2000; i++) values.push(Math.floor(i * 7919 % 100000) + ((i * 104729) % 1e9) / 1e9);
    for (let i = 0; i < 2000; i++) values.push(i * 0.0000005);
    for (const x of values) expect(timeColumn(x), String(x)).toBe(x.toFixed(6).padStart(11));
  });

  it('pads frame numbers like String(n).padStart(5) and writes reply frames in decimal', () => {
    for (const frame of [0, 7, 99999, 100000, 123456789012]) {
      const line = formatSummaryLine({ ...gddCall(), frame, replyFrame: frame + 1 });
      expect(line.startsWith(`${String(frame).padStart(5)} `)).toBe(true);
      expect(line).toContain(` Call (Reply In ${frame + 1}) `);
    }
  });

  it('writes the endpoints of messages from fieldSourceOf in both directions, connections sharing its cache slot included', () => {
    const w = new ByteWriter(64);
    const expected: string[] = [];
    const t0 = { sec: 1000, nsec: 0 };
    // Connections whose ids collide in fieldSourceOf's per-connection cache (4096 slots), used in turns.
    const conns: ConnectionKey[] = [1, 4097, 8193, 2].map((id) => ({ id, a: `10.0.0.5:${id}`, b: '10.0.0.1:2049' }));
    for (let round = 0; round < 3; round++) {
      for (const conn of conns) {
        for (const type of ['call', 'reply'] as const) {
          const ab = type === 'call';
          const template = ab ? gddCall() : gddReply();
          const rpc = {
            ...template.rpc,
            record: { conn, dir: ab ? 'ab' : 'ba', bytes: new Uint8Array(0), frame: template.frame, sec: template.sec, nsec: template.nsec, firstFrame: template.frame, fragments: 1 },
            src: ab ? conn.a : conn.b,
            dst: ab ? conn.b : conn.a,
          } as RpcMessage;
          const src = fieldSourceOf({ rpc, nfs: template.nfs }, t0);
          writeSummaryLine(w, src);
          w.byte(0x0a);
          const line = formatSummaryLine({ ...template, relTime: src.relTime, src: rpc.src, dst: rpc.dst });
          expect(formatSummaryLine(src)).toBe(line);
          expected.push(line);
        }
      }
    }
    expect(w.text()).toBe(expected.join('\n') + '\n');
    expect(expected[0]).toContain(' 10.0.0.5:1 → 10.0.0.1:2049 NFS V4 Call ');
    expect(expected[3]).toContain(' 10.0.0.1:2049 → 10.0.0.5:4097 NFS V4 Reply ');
  });

  it('escapes endpoint texts for the terminal', () => {
    const line = formatSummaryLine({ ...gddCall(), src: 'a\x1b[2Jb:1', dst: 'é\\:2' });
    expect(line).toContain(' a\\x1b[2Jb:1 → é\\\\:2 NFS V4 Call ');
    expect(Buffer.from(line, 'utf8').toString('utf8')).toBe(line);
  });
});

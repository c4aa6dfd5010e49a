/**
 * Test helper: runs a bundled capture through the engine and returns every RPC message as a
 * FieldSource, with calls linked to their reply frames (like tshark -2).
 */
import { runEngine, type AnalyzedMessage } from '../../engine.js';
import { openCapture } from '../../sources/index.js';
import type { Frame } from '../../sources/types.js';
import type { FieldSource } from '../../../dissectors/fields/types.js';
import { fieldSourceOf } from '../source.js';

export async function analyzeCapture(path: string, trace = false): Promise<FieldSource[]> {
  const cap = await openCapture(path);
  let first: { sec: number; nsec: number } | undefined;
  const source = {
    async *batches(): AsyncIterable<Frame[]> {
      for await (const batch of cap.batches()) {
        if (first === undefined && batch.length > 0) first = { sec: batch[0].sec, nsec: batch[0].nsec };
        yield batch;
      }
    },
  };
  const msgs: AnalyzedMessage[] = [];
  await runEngine(source, { trace, onMessage: (m) => msgs.push(m) });
  const replyOf = new Map<string, number>();
  for (const m of msgs) {
    if (m.rpc.type === 'reply' && m.rpc.callFrame !== undefined && !m.rpc.duplicate) {
      replyOf.set(`${m.rpc.callFrame}:${m.rpc.xid}`, m.rpc.record.frame);
    }
  }
  const t0 = first ?? { sec: 0, nsec: 0 };
  return msgs.map((m) => fieldSourceOf(m, t0, m.rpc.type === 'call' ? replyOf.get(`${m.rpc.record.frame}:${m.rpc.xid}`) : undefined));
}

/**
 * The untraced decode builds each compound in one step once its header is read; the traced
 * decode takes the general path. Both must give the same compound (same keys, same order,
 * same values) apart from the spans, for whole records and for records cut at every length.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeNfsCall, decodeNfsReply } from './compound.js';
import { extractRecords, programOf, type TestRecord } from './testdata/records.js';

const CAPTURES = join(import.meta.dirname, '..', '..', 'captures');
const SPAN_KEYS = new Set(['spans', 'spanTable', 'spanStart', 'spanEnd']);

/** A deep copy without the span keys (spans, spanTable, spanStart, spanEnd), keeping key order (toStrictEqual ignores order). */
function withoutSpans(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutSpans);
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!SPAN_KEYS.has(k)) out[k] = withoutSpans(x);
  return out;
}

function keyOrder(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? Array.from(x) : x));
}

function both(r: TestRecord, bytes: Uint8Array): void {
  const program = programOf(r);
  if (program === undefined || r.bodyOffset === undefined || r.vers === undefined || r.proc === undefined) return;
  if (r.bodyOffset > bytes.length) return;
  const decode = r.type === 'call' ? decodeNfsCall : decodeNfsReply;
  const fast = decode(bytes, r.bodyOffset, program, r.vers, r.proc);
  const general = withoutSpans(decode(bytes, r.bodyOffset, program, r.vers, r.proc, { trace: true }));
  expect(fast).toStrictEqual(general);
  expect(keyOrder(fast)).toBe(keyOrder(general));
}

describe('compound header fast path', () => {
  const records = readdirSync(CAPTURES)
    .filter((n) => n.endsWith('.pcap'))
    .flatMap((n) => extractRecords(join(CAPTURES, n)));

  it('matches the general path on every NFS record of the bundled captures', () => {
    let checked = 0;
    for (const r of records) {
      if (programOf(r) === undefined || r.proc !== 1) continue;
      both(r, r.bytes);
      checked++;
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('matches it on records cut short at every length (header failures fall back)', () => {
    const sample = records.filter((r) => programOf(r) !== undefined && r.proc === 1 && r.bodyOffset !== undefined).slice(0, 40);
    expect(sample.some((r) => programOf(r) === 'NFS_CB')).toBe(true);
    for (const r of sample) {
      const end = Math.min(r.bytes.length, r.bodyOffset! + 48);
      for (let n = r.bodyOffset!; n <= end; n++) both(r, r.bytes.subarray(0, n));
    }
  });
});

/**
 * The synthetic captures (captures/*.expected.json, written by `nfscope synth`): every RPC
 * message's op list, op numbers, compound status and per-op statuses, as the generator
 * intended them, including records that tshark 4.0 cannot see (split record markers).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeRecord } from './testdata/decode.js';
import { extractRecords } from './testdata/records.js';

interface ExpectedMessage {
  frame: number; xid: number; msgtyp: number; procedure: number;
  ops?: string[]; opnums?: number[]; status?: string; opStatus?: string[];
}

const FILES = readdirSync('captures').filter((f) => f.endsWith('.expected.json')).sort();

describe('synthetic captures: ops and statuses as generated', () => {
  it.each(FILES)('%s', (file) => {
    const expected = JSON.parse(readFileSync(`captures/${file}`, 'utf8')) as { messages: ExpectedMessage[] };
    const records = extractRecords(`captures/${file.replace('.expected.json', '.pcap')}`);
    const problems: string[] = [];
    let checked = 0;
    for (const m of expected.messages) {
      // Frame 0: sent before the capture started (synth-late-start).
      if (m.frame <= 0) continue;
      const type = m.msgtyp === 0 ? 'call' : 'reply';
      const rec = records.find((r) => r.xid === m.xid && r.type === type && r.frame === m.frame);
      if (rec === undefined) { problems.push(`xid ${m.xid} ${type} frame ${m.frame}: no record`); continue; }
      // A reply whose call was not captured cannot be decoded (its procedure is unknown).
      if (type === 'reply' && rec.prog === undefined) continue;
      const c = decodeRecord(rec);
      if (c === undefined) { problems.push(`xid ${m.xid} ${type}: not decoded`); continue; }
      checked++;
      const where = `frame ${m.frame} xid ${m.xid} ${type}`;
      if (c.malformed || c.ops.some((o) => o.malformed)) problems.push(`${where}: malformed`);
      if (m.procedure !== 1) continue;
      if (JSON.stringify(c.ops.map((o) => o.op)) !== JSON.stringify(m.ops)) problems.push(`${where}: ops ${c.ops.map((o) => o.op)} != ${m.ops}`);
      if (JSON.stringify(c.ops.map((o) => o.opnum)) !== JSON.stringify(m.opnums)) problems.push(`${where}: opnums differ`);
      if (type === 'reply') {
        if (c.status !== m.status) problems.push(`${where}: status ${c.status} != ${m.status}`);
        if (JSON.stringify(c.ops.map((o) => o.status)) !== JSON.stringify(m.opStatus)) problems.push(`${where}: op statuses differ`);
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(10);
  });
});

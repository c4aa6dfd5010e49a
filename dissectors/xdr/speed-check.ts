/**
 * Decode-rate check of the generated codecs (not a unit test). Run after `npm run build`:
 *   node dist/dissectors/xdr/speed-check.js        (or: npx tsx dissectors/xdr/speed-check.ts)
 * Prints decodes per second for 1 M small values, each decoded with a fresh reader over its
 * own record window, as the NFS dissector does.
 */
import * as fixture from './generated/test-fixtures/all.js';
import * as nfs4 from './generated/nfs4.js';
import { XdrReader, XdrWriter } from './runtime.js';

const COUNT = 1_000_000;

interface Case {
  name: string;
  encode: (w: XdrWriter) => void;
  decode: (r: XdrReader) => unknown;
}

/** rate: per wall-clock second; cpuRate: per second of this process's CPU time (robust on a busy machine). */
function measure(c: Case): { rate: number; cpuRate: number; bytes: number } {
  // One encoded record, repeated COUNT times in a single buffer.
  const one = new XdrWriter();
  c.encode(one);
  const rec = one.finish();
  const buf = new Uint8Array(rec.length * COUNT);
  for (let i = 0; i < COUNT; i++) buf.set(rec, i * rec.length);
  let best = Infinity;
  let bestCpu = Infinity;
  let sink = 0;
  for (let round = 0; round < 6; round++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0, off = 0; i < COUNT; i++, off += rec.length) {
      const r = new XdrReader(buf, off, off + rec.length);
      c.decode(r);
      sink += r.pos;
    }
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    if (round > 0) {
      // round 0 warms the JIT up
      best = Math.min(best, ms);
      bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1000);
    }
  }
  if (sink === 0) console.log('(unused)');
  return { rate: COUNT / (best / 1000), cpuRate: COUNT / (bestCpu / 1000), bytes: rec.length };
}

const stateid = { seqid: 1, other: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) };
const sessionid = new Uint8Array(16).fill(7);
const fh = new Uint8Array(28).fill(0xab);

const cases: Case[] = [
  {
    name: 'fixture point {int x; int y;}',
    encode: (w) => fixture.encode_point(w, { x: 1, y: -2 }),
    decode: fixture.decode_point,
  },
  {
    name: 'nfs4 stateid4',
    encode: (w) => nfs4.encode_stateid4(w, stateid),
    decode: nfs4.decode_stateid4,
  },
  {
    name: 'nfs4 SEQUENCE4args',
    encode: (w) =>
      nfs4.encode_SEQUENCE4args(w, { sa_sessionid: sessionid, sa_sequenceid: 5, sa_slotid: 0, sa_highest_slotid: 9, sa_cachethis: false }),
    decode: nfs4.decode_SEQUENCE4args,
  },
  {
    name: 'nfs4 COMPOUND4args {SEQUENCE, PUTFH, GETATTR}',
    encode: (w) =>
      nfs4.encode_COMPOUND4args(w, {
        tag: '',
        minorversion: 1,
        argarray: [
          {
            argop: 'OP_SEQUENCE',
            opsequence: { sa_sessionid: sessionid, sa_sequenceid: 5, sa_slotid: 0, sa_highest_slotid: 9, sa_cachethis: false },
          },
          { argop: 'OP_PUTFH', opputfh: { object: fh } },
          { argop: 'OP_GETATTR', opgetattr: { attr_request: [0x0010011a, 0x00b0a23a] } },
        ],
      } as nfs4.COMPOUND4args),
    decode: nfs4.decode_COMPOUND4args,
  },
];

for (const c of cases) {
  const { rate, cpuRate, bytes } = measure(c);
  console.log(
    `${c.name.padEnd(48)} ${bytes.toString().padStart(4)} B  ${(rate / 1e6).toFixed(2)} M decodes/s wall, ${(cpuRate / 1e6).toFixed(2)} M/s per CPU second`,
  );
}

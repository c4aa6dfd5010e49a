/**
 * Throughput of full NFSv4 dissection (every op, attributes and notifications included) over
 * the RPC records of the bundled captures, on one core. CPU time is measured (not wall time)
 * so that other processes on the machine distort the figure less.
 *   npx tsx dissectors/nfs4/testdata/bench.ts [maxRecordBytes]
 */
import { readdirSync } from 'node:fs';
import { decodeNfsCall, decodeNfsReply } from '../compound.js';
import { extractRecords, programOf, type TestRecord } from './records.js';

const maxBytes = Number(process.argv[2] ?? Infinity);
const records: TestRecord[] = readdirSync('captures')
  .filter((f) => f.endsWith('.pcap'))
  .flatMap((f) => extractRecords(`captures/${f}`))
  .filter((r) => programOf(r) !== undefined && r.bodyOffset !== undefined && r.proc === 1 && r.bytes.length <= maxBytes);

function run(n: number): number {
  let ops = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i % records.length];
    const program = programOf(r)!;
    const c = r.type === 'call'
      ? decodeNfsCall(r.bytes, r.bodyOffset!, program, r.vers!, r.proc!)
      : decodeNfsReply(r.bytes, r.bodyOffset!, program, r.vers!, r.proc!);
    ops += c.ops.length;
  }
  return ops;
}

const avg = records.reduce((a, r) => a + r.bytes.length, 0) / records.length;
console.log(`${records.length} records, ${avg.toFixed(0)} bytes on average`);
run(200_000);
for (let k = 0; k < 5; k++) {
  const n = 1_000_000;
  const c0 = process.cpuUsage();
  const ops = run(n);
  const cpu = process.cpuUsage(c0);
  const s = (cpu.user + cpu.system) / 1e6;
  console.log(`${(n / s / 1e6).toFixed(2)} M messages/s, ${(ops / s / 1e6).toFixed(2)} M ops/s (CPU time)`);
}

/**
 * `node dist/bench/stages.js FILE [RUNS]`: where the time of `read -q` goes, stage by stage.
 * Runs the pipeline on FILE cut after each stage in turn (reading, link/IP decoding, TCP
 * reassembly, record marking, RPC header and call/reply matching, NFSv4 dissection), each run
 * in a process of its own (as the command runs; code compiled for one cut would otherwise
 * slow down the next), and prints the fastest of RUNS runs (default 3) of each, with what the
 * stage added to the one before. The stages are the engine's own modules wired as the engine wires them (without its
 * frame accounting and callback decoding), so a change to one of them shows in its own row.
 */
import { spawnSync } from 'node:child_process';
import { decodeNfsCall, decodeNfsReply } from '../dissectors/nfs4/compound.js';
import { decodeFrame, Ipv4Reassembler } from '../src/net/index.js';
import { newReusableSegmentResult } from '../src/net/decode.js';
import { RecordStreams } from '../src/rpc/records.js';
import { RpcMatcher } from '../src/rpc/matcher.js';
import type { RpcMessage, RpcRecord } from '../src/rpc/types.js';
import { openCapture } from '../src/sources/index.js';
import { TcpReassembler } from '../src/tcp/reassembler.js';
import type { StreamEvent } from '../src/tcp/types.js';

const STAGES = ['read frames', 'link/IP decode', 'TCP reassembly', 'record marking', 'RPC header + matching', 'NFSv4 COMPOUND dissection (fore channel)'] as const;

/** Runs the pipeline up to stage `last` (index into STAGES); returns the wall milliseconds. */
async function runTo(path: string, last: number): Promise<{ ms: number; items: number }> {
  const started = process.hrtime.bigint();
  const source = await openCapture(path);
  const ip = new Ipv4Reassembler({});
  const segment = newReusableSegmentResult();
  const tcp = new TcpReassembler({ maxConnections: 8192, maxClosedConnections: 1024, reuseDataEvents: true });
  const streams = new RecordStreams({});
  const matcher = new RpcMatcher({ maxPendingCalls: 20_000 });
  // What the last stage produced, counted so that no stage's work can be skipped as unused.
  let items = 0;
  const onMessage = (m: RpcMessage): void => {
    items++;
    if (last < 5 || m.program !== 100003 || m.version !== 4 || m.procedure !== 1) return;
    const h = m.header;
    if (h.msgType === 'call') items += decodeNfsCall(m.record.bytes, h.bodyOffset, 'NFS', 4, 1).ops.length;
    else if (h.acceptStat === 'SUCCESS') items += decodeNfsReply(m.record.bytes, h.bodyOffset, 'NFS', 4, 1).ops.length;
  };
  const onRecord = last >= 4 ? (r: RpcRecord): void => matcher.push(r, onMessage) : (): void => void items++;
  const onEvent = last >= 3 ? (e: StreamEvent): void => streams.push(e, onRecord) : (): void => void items++;
  for await (const batch of source.batches({ transient: true })) {
    for (const frame of batch) {
      if (last < 1) {
        items++;
        continue;
      }
      const r = decodeFrame(frame, ip, segment);
      if (r.ok !== true) continue;
      if (last < 2) items++;
      else tcp.push(r.segment, onEvent);
    }
  }
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, items };
}

/** One timed run in a fresh process with the same V8 flags as this one. */
function runChild(path: string, stage: number): { ms: number; items: number } {
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1], path, '--stage', String(stage)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`stage ${STAGES[stage]} failed: ${r.stderr.trim().split('\n').pop() ?? ''}`);
  return JSON.parse(r.stdout) as { ms: number; items: number };
}

async function main(): Promise<void> {
  const path = process.argv[2];
  if (path === undefined) throw new Error('usage: node dist/bench/stages.js FILE [RUNS]');
  if (process.argv[3] === '--stage') {
    console.log(JSON.stringify(await runTo(path, Number(process.argv[4]))));
    return;
  }
  const runs = Math.max(1, Number(process.argv[3] ?? 3));
  let before = 0;
  console.log('| stage | cumulative | added | output items |\n|---|---|---|---|');
  for (let s = 0; s < STAGES.length; s++) {
    let best = Infinity;
    let items = 0;
    for (let i = 0; i < runs; i++) {
      const r = runChild(path, s);
      if (r.ms < best) best = r.ms;
      items = r.items;
    }
    console.log(`| ${STAGES[s]} | ${(best / 1000).toFixed(2)} s | ${((best - before) / 1000).toFixed(2)} s | ${items} |`);
    before = best;
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});

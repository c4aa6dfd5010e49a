/**
 * `npm run bench`: builds a large capture (default 1 GiB) by replaying the bundled real
 * captures, then measures nfscope and tshark on the same file in the same run: wall time,
 * packets/s, MB/s and peak RSS (GNU time's %M). Figures go to stdout as a Markdown table.
 *   BENCH_BYTES=N    size of the large capture (default 1 GiB)
 *   BENCH_JSON_BYTES size of the smaller capture, where start-up and warm-up weigh (default 32 MiB)
 *   BENCH_RUNS=N     runs of each nfscope command, the fastest reported (default 3)
 *   BENCH_TSHARK_RUNS=N  the same for tshark (default 1: one run takes minutes; its -T json on
 *                    the 1 GiB capture alone takes over ten)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildLargeCapture } from './build-large.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const OUT = join(ROOT, 'bench', 'out');
const NFSCOPE = join(ROOT, 'dist', 'bin', 'nfscope.js');

interface Measure {
  label: string;
  wall: number;
  rssMb: number;
  packets: number;
  bytes: number;
}

/**
 * Runs a command `runs` times under GNU time, output discarded; returns the fastest run's
 * wall seconds and the highest peak RSS of all runs. The fastest run is the one least
 * disturbed by the rest of the machine (a virtual machine's speed drifts between runs).
 */
function measure(label: string, cmd: string[], packets: number, bytes: number, runs = 1): Measure {
  let best: Measure | undefined;
  let rssMb = 0;
  for (let i = 0; i < Math.max(1, runs); i++) {
    const m = measureOnce(label, cmd, packets, bytes);
    if (best === undefined || m.wall < best.wall) best = m;
    rssMb = Math.max(rssMb, m.rssMb);
  }
  return { ...best!, rssMb };
}

function measureOnce(label: string, cmd: string[], packets: number, bytes: number): Measure {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', ...cmd], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 30 });
  const lines = (r.stderr ?? '').trim().split('\n');
  const [wall, rssKb] = (lines[lines.length - 1] ?? '').split(' ').map(Number);
  if (r.status !== 0 || !Number.isFinite(wall)) throw new Error(`${label} failed: ${lines.slice(-3).join(' | ')}`);
  return { label, wall, rssMb: rssKb / 1024, packets, bytes };
}

function row(m: Measure): string {
  const pps = m.packets / m.wall;
  const mbs = m.bytes / 1e6 / m.wall;
  return `| ${m.label} | ${m.wall.toFixed(2)} s | ${(pps / 1e6).toFixed(3)} M | ${mbs.toFixed(1)} | ${m.rssMb.toFixed(0)} MB |`;
}

async function ensureCapture(name: string, bytes: number): Promise<{ path: string; packets: number; bytes: number }> {
  mkdirSync(OUT, { recursive: true });
  const path = join(OUT, name);
  const inputs = readdirSync(join(ROOT, 'captures'))
    .filter((f) => f.endsWith('.pcap'))
    .map((f) => join(ROOT, 'captures', f));
  const built = await buildLargeCapture(inputs, path, bytes);
  return { path, packets: built.packets, bytes: statSync(path).size };
}

async function main(): Promise<void> {
  if (!existsSync(NFSCOPE)) throw new Error('run `npm run build` first');
  const bigBytes = Number(process.env.BENCH_BYTES ?? 1024 ** 3);
  const jsonBytes = Number(process.env.BENCH_JSON_BYTES ?? 32 * 1024 ** 2);
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const tsharkRuns = Number(process.env.BENCH_TSHARK_RUNS ?? 1);
  console.log(`fastest of ${runs} run(s) per nfscope command, of ${tsharkRuns} per tshark command; peak RSS is the highest of the runs`);
  const big = await ensureCapture('large.pcap', bigBytes);
  console.log(`large capture: ${big.path} ${(big.bytes / 1e6).toFixed(0)} MB, ${big.packets} packets`);
  // The installed command is run as users run it: its first line sets the V8 heap flags.
  const rows: Measure[] = [];
  const n = (label: string, args: string[]) => rows.push(measure(label, [NFSCOPE, ...args], big.packets, big.bytes, runs));
  n('nfscope read -q (frames, TCP, RPC, matching, full NFSv4 dissection)', ['read', '-q', big.path]);
  n('nfscope read -q --no-nfs (RPC layer only)', ['read', '-q', '--no-nfs', big.path]);
  n('nfscope read (text summary lines)', ['read', big.path]);
  // tshark's own command shape: one line per message with its xid.
  n('nfscope read --no-nfs -T fields -e rpc.xid', ['read', '--no-nfs', '-T', 'fields', '-e', 'rpc.xid', big.path]);
  n('nfscope read -T fields -e rpc.xid', ['read', '-T', 'fields', '-e', 'rpc.xid', big.path]);
  // Correlation on the large file too: its many connections, clients and servers fill the
  // correlator's tables, which a small capture never does (and warm-up dominates there).
  n('nfscope stats (dissection + correlation)', ['stats', big.path]);
  n('nfscope read -T json', ['read', '-T', 'json', big.path]);
  rows.push(measure('tshark -T fields -e rpc.xid', ['tshark', '-r', big.path, '-T', 'fields', '-e', 'rpc.xid'], big.packets, big.bytes, tsharkRuns));
  rows.push(measure('tshark -T json', ['tshark', '-r', big.path, '-T', 'json'], big.packets, big.bytes, tsharkRuns));
  const small = await ensureCapture('json.pcap', jsonBytes);
  const jrows: Measure[] = [];
  const s = (label: string, args: string[]) => jrows.push(measure(label, [NFSCOPE, ...args, small.path], small.packets, small.bytes, runs));
  s('nfscope read -q', ['read', '-q']);
  s('nfscope stats (dissection + correlation)', ['stats']);
  s('nfscope read --json', ['read', '--json']);
  s('nfscope read -T json', ['read', '-T', 'json']);
  jrows.push(measure('tshark -T json', ['tshark', '-r', small.path, '-T', 'json'], small.packets, small.bytes, tsharkRuns));
  console.log('\n| command | wall | packets/s | MB/s | peak RSS |\n|---|---|---|---|---|');
  for (const m of rows) console.log(row(m));
  console.log(`\nOn a smaller capture (${(small.bytes / 1e6).toFixed(0)} MB, ${small.packets} packets), where start-up and warm-up weigh more:\n\n| command | wall | packets/s | MB/s | peak RSS |\n|---|---|---|---|---|`);
  for (const m of jrows) console.log(row(m));
  const byLabel = (list: Measure[], prefix: string): Measure => list.find((m) => m.label.startsWith(prefix))!;
  const t = byLabel(rows, 'tshark -T fields');
  const q = rows[0];
  const sq = byLabel(jrows, 'nfscope read -q');
  const corr = byLabel(jrows, 'nfscope stats');
  const rpcOnly = byLabel(rows, 'nfscope read -q --no-nfs');
  console.log(`\nread -q vs tshark -e rpc.xid: ${(t.wall / q.wall).toFixed(1)}x faster`);
  console.log(`read -q --no-nfs vs tshark -e rpc.xid: ${(t.wall / rpcOnly.wall).toFixed(1)}x faster`);
  const xidLines = byLabel(rows, 'nfscope read --no-nfs -T fields');
  console.log(`read --no-nfs -T fields -e rpc.xid vs tshark -e rpc.xid: ${(t.wall / xidLines.wall).toFixed(1)}x faster`);
  console.log(`-T json vs tshark -T json, large capture: ${(byLabel(rows, 'tshark -T json').wall / byLabel(rows, 'nfscope read -T json').wall).toFixed(1)}x faster`);
  console.log(`-T json vs tshark -T json, small capture: ${(byLabel(jrows, 'tshark').wall / byLabel(jrows, 'nfscope read -T json').wall).toFixed(1)}x faster`);
  const bigCorr = byLabel(rows, 'nfscope stats');
  console.log(`correlation cost on top of dissection, large capture: ${(((bigCorr.wall - q.wall) / q.wall) * 100).toFixed(1)} %`);
  console.log(`correlation cost on top of dissection, small capture: ${(((corr.wall - sq.wall) / sq.wall) * 100).toFixed(1)} %`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});

/**
 * `nfscope synth`: named scenarios that write realistic NFSv4.1 captures, each with the
 * data describing what it contains (see expected.ts).
 */
import { CaptureWriter, type CaptureFormat, type PacketSink, type PacketSlot } from './captureWriter.js';
import type { ExpectedCapture, ExpectedMessage } from './expected.js';
import type { ScenarioDefinition } from './kit.js';
import { SCENARIOS } from './scenarios/index.js';
import { runWorkload, WORKLOAD_DESCRIPTION, type WorkloadOptions, type WorkloadSummary } from './workload.js';

export type { CaptureFormat } from './captureWriter.js';
export type * from './expected.js';
export type { WorkloadOptions, WorkloadSummary } from './workload.js';

export interface ScenarioInfo {
  name: string;
  description: string;
  /** True for the streaming benchmark workload (options packets/bytes; no expected data). */
  workload: boolean;
}

export interface RunScenarioOptions {
  /** pcap (microseconds, default), nsec (pcap with nanoseconds) or pcapng. */
  format?: CaptureFormat;
  /** workload: stop after about this many packets / bytes (default 100k packets). */
  packets?: number;
  bytes?: number;
  seed?: number;
}

export interface ScenarioResult {
  name: string;
  path: string;
  format: CaptureFormat;
  frames: number;
  /** File size in bytes. */
  bytes: number;
  /** What the capture contains (null for the workload). */
  expected: ExpectedCapture | null;
  workload: WorkloadSummary | null;
}

export const WORKLOAD_NAME = 'workload';

/** The scenarios `nfscope synth` knows, in a stable order. */
export function listScenarios(): ScenarioInfo[] {
  return [
    ...SCENARIOS.map((s) => ({ name: s.name, description: s.description, workload: false })),
    { name: WORKLOAD_NAME, description: WORKLOAD_DESCRIPTION, workload: true },
  ];
}

function findScenario(name: string): ScenarioDefinition {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown scenario "${name}" (known: ${listScenarios().map((x) => x.name).join(', ')})`);
  return s;
}

/** Writes scenario `name` to `outPath`. Rejects for an unknown name or an I/O error. */
export async function runScenario(name: string, outPath: string, opts: RunScenarioOptions = {}): Promise<ScenarioResult> {
  const format = opts.format ?? 'pcap';
  if (name === WORKLOAD_NAME) {
    const w = new CaptureWriter(outPath, format, { chunkBytes: 4 << 20 });
    const wopts: WorkloadOptions = { seed: opts.seed };
    if (opts.packets !== undefined) wopts.packets = opts.packets;
    if (opts.bytes !== undefined) wopts.bytes = opts.bytes;
    if (wopts.packets === undefined && wopts.bytes === undefined) wopts.packets = 100_000;
    let summary: WorkloadSummary;
    try {
      summary = await runWorkload(w, wopts);
    } finally {
      await w.close();
    }
    return { name, path: outPath, format, frames: w.frames, bytes: w.bytesWritten, expected: null, workload: summary };
  }
  const def = findScenario(name);
  const w = new CaptureWriter(outPath, format);
  let expected: ExpectedCapture;
  try {
    expected = def.build({ sink: w });
  } finally {
    await w.close();
  }
  return { name, path: outPath, format, frames: w.frames, bytes: w.bytesWritten, expected, workload: null };
}

/** Counts packets without keeping them (one reused scratch buffer). */
class CountingSink implements PacketSink {
  frames = 0;
  private readonly slot: PacketSlot = { buf: new Uint8Array(65536), off: 0 };
  reserve(_sec: number, _nsec: number, len: number): PacketSlot {
    if (len > this.slot.buf.length) this.slot.buf = new Uint8Array(len);
    this.frames++;
    return this.slot;
  }
}

/**
 * The expected data of a (non-workload) scenario without writing a file; `onMessage`
 * receives each RPC message's bytes.
 */
export function expectedScenario(name: string, onMessage?: (m: ExpectedMessage, rpcMessage: Uint8Array) => void): ExpectedCapture {
  return findScenario(name).build({ sink: new CountingSink(), onMessage });
}

export const CAPTURE_FORMATS: readonly CaptureFormat[] = ['pcap', 'nsec', 'pcapng'];

export { parseSize } from './size.js';

/** `nfscope synth`: writes a scripted exchange (or the benchmark workload) as a capture. */
import type { Writable } from 'node:stream';
import { listScenarios, runScenario } from '../synth/index.js';
import { UsageError } from './errors.js';

export function listSynthScenarios(): string {
  return listScenarios().map((s) => `${s.name.padEnd(22)} ${s.description}`).join('\n') + '\n';
}

export async function runSynth(
  name: string, outPath: string, opts: { format: 'pcap' | 'nsec' | 'pcapng'; packets?: number; bytes?: number }, stdout: Writable,
): Promise<number> {
  if (!listScenarios().some((s) => s.name === name)) throw new UsageError(`unknown scenario "${name}" (nfscope synth --list)`);
  const r = await runScenario(name, outPath, { format: opts.format, packets: opts.packets, bytes: opts.bytes });
  stdout.write(`${r.path}: ${r.frames} frames, ${r.bytes} bytes (${r.format})\n`);
  return 0;
}

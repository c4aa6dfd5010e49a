/**
 * Hostile input through the whole engine (reader, link, TCP, RPC, NFSv4, correlation):
 * cut files, flipped bytes, lost segments, captures that start mid-connection. Nothing
 * throws, every frame is accounted for, and what survives the damage is still found.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine, type AnalyzedMessage } from './engine.js';
import { Correlator } from './correlate/correlator.js';
import { collectFrames } from './sources/collect.js';
import { openCaptureStream } from './sources/index.js';
import type { Frame } from './sources/types.js';
import { xorshift32 } from '../test/helpers/prng.js';

const CAPTURES = join(import.meta.dirname, '..', 'captures');
const FILES = readdirSync(CAPTURES).filter((f) => f.endsWith('.pcap'));

/** Pseudo-random floats in [0, 1), reproducible. */
function rng(seed: number): () => number {
  const next = xorshift32(seed);
  return () => next() / 4294967296;
}

async function framesOf(bytes: Uint8Array): Promise<Frame[]> {
  return collectFrames(await openCaptureStream([bytes], { onProblem: () => {} }));
}

function run(frames: Frame[], correlate = true): { engine: Engine; messages: AnalyzedMessage[] } {
  const messages: AnalyzedMessage[] = [];
  const engine = new Engine({ correlator: correlate ? new Correlator() : undefined, onMessage: (m) => messages.push(m) });
  for (const f of frames) engine.feed(f);
  engine.finish();
  return { engine, messages };
}

function accounted(engine: Engine): boolean {
  const s = engine.summary();
  return s.framesWithRpc + s.notDecoded.reduce((n, [, c]) => n + c, 0) === s.framesRead;
}

function xids(ms: AnalyzedMessage[]): string[] {
  return ms.map((m) => `${m.rpc.type}:${m.rpc.xid}`);
}

describe('hostile captures through the whole engine', () => {
  for (const file of FILES) {
    it(`${file}: cut at every 97th byte`, async () => {
      const bytes = readFileSync(join(CAPTURES, file));
      const whole = run(await framesOf(bytes), false);
      for (let cut = 97; cut < bytes.length; cut += 97) {
        const { engine, messages } = run(await framesOf(bytes.subarray(0, cut)), false);
        expect(accounted(engine)).toBe(true);
        // What was read before the cut decodes as it did in the whole file.
        const prefix = xids(whole.messages).slice(0, messages.length);
        expect(xids(messages)).toEqual(prefix);
      }
    });
  }

  it('10,000 packets with random bytes flipped: no throw, all frames accounted', async () => {
    const all: Frame[] = [];
    for (const file of FILES) all.push(...(await framesOf(readFileSync(join(CAPTURES, file)))));
    const rand = rng(0x5eed);
    const damaged: Frame[] = [];
    for (let i = 0; i < 10_000; i++) {
      const f = all[i % all.length];
      const data = Buffer.from(f.data);
      const flips = 1 + Math.floor(rand() * 8);
      for (let k = 0; k < flips; k++) data[Math.floor(rand() * data.length)] ^= 1 + Math.floor(rand() * 255);
      damaged.push({ ...f, no: i + 1, data });
    }
    const started = Date.now();
    const { engine, messages } = run(damaged);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(accounted(engine)).toBe(true);
    expect(engine.summary().framesRead).toBe(10_000);
    // Most packets keep their headers intact, so plenty of messages still come through.
    expect(messages.length).toBeGreaterThan(1000);
  });

  it('lost segments: the records after the gap are found again', async () => {
    const frames = await framesOf(readFileSync(join(CAPTURES, 'linux-6.1-nfsd-v41-deleg-recall.pcap')));
    const whole = run(frames);
    // Drop ten data-carrying frames in the middle of the connection.
    const dropped = new Set(frames.filter((f) => f.no >= 100 && f.data.length > 100).slice(0, 10).map((f) => f.no));
    expect(dropped.size).toBe(10);
    const { engine, messages } = run(frames.filter((f) => !dropped.has(f.no)));
    expect(accounted(engine)).toBe(true);
    const lastDropped = Math.max(...dropped);
    const after = (ms: AnalyzedMessage[]) => xids(ms.filter((m) => m.rpc.record.frame > lastDropped + 2));
    expect(after(messages)).toEqual(after(whole.messages));
    expect(after(messages).length).toBeGreaterThan(50);
  });

  it('a capture that starts mid-connection decodes from the first whole record on', async () => {
    const frames = await framesOf(readFileSync(join(CAPTURES, 'crafted-dirdeleg-notify-1.pcap')));
    const whole = run(frames);
    const { engine, messages } = run(frames.filter((f) => f.no >= 60));
    expect(accounted(engine)).toBe(true);
    const late = (ms: AnalyzedMessage[]) => xids(ms.filter((m) => m.rpc.record.frame >= 64));
    expect(late(messages)).toEqual(late(whole.messages));
    // Replies whose calls were before the start are orphans, not errors.
    expect(messages.some((m) => m.rpc.orphan)).toBe(true);
    // The correlator still follows the delegation from its first sighting.
    const delegs = engine.correlator!.delegations();
    expect(delegs.some((d) => d.events.some((e) => e.kind === 'recalled'))).toBe(true);
  });
});

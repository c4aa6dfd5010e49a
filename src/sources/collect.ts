import type { CaptureSource, Frame } from './types.js';

/** Reads a whole source into memory (tests and small tools only: it is not bounded). */
export async function collectFrames(source: CaptureSource): Promise<Frame[]> {
  const all: Frame[] = [];
  for await (const batch of source.batches()) for (const f of batch) all.push(f);
  return all;
}

/**
 * Drives a record parser over a sequence of chunks. Records normally lie inside one chunk and
 * are parsed in place; a record that spans chunks is copied once into a buffer just big
 * enough for it, so a small carry-over never makes us copy a whole chunk.
 */
import type { Frame, SourceProblem } from './types.js';
import { CorruptCompressedDataError, type ChunkPool } from './chunks.js';

export type ProblemSink = (p: SourceProblem) => void;

/** A file format's record parser (pcap, pcapng). State lives in the parser between calls. */
export interface RecordParser {
  /**
   * Parses every complete record of `buf` from offset 0 and appends the frames to `out`.
   * Returns the number of bytes consumed. On return, unless `done`, `need` is the number of
   * bytes (counted from the first unconsumed byte) required to make progress, and it is
   * larger than what is left in `buf`. `base` is the file offset of buf[0], for problems.
   * With `maxFrames`, it may also stop early, once `out` holds that many frames (then more
   * complete records may follow and `need` says nothing).
   */
  parse(buf: Buffer, base: number, out: Frame[], maxFrames?: number): number;
  /**
   * Optional: from now on the parser may reuse Frame objects it handed out in earlier
   * batches (the consumer is done with them; see BatchOptions.transient).
   */
  recycleFrames?(): void;
  need: number;
  /** The parser has stopped (after reporting a problem); the rest of the input is ignored. */
  done: boolean;
  /** End of input with `remaining` unconsumed bytes at file offset `offset`. */
  finish(remaining: number, offset: number): void;
}

/**
 * Frames per batch. Small batches keep the frames of a batch from outliving a young-generation
 * GC: with a whole 1 MiB chunk (~5000 frames) per batch, copying the batch's live frames was
 * most of every scavenge's cost.
 */
export const MAX_BATCH_FRAMES = 512;

export async function* recordBatches(
  chunks: AsyncIterable<Buffer>,
  parser: RecordParser,
  onProblem: ProblemSink,
  transient = false,
  /**
   * Where chunks go once parsed and their batches consumed: only for a consumer that keeps no
   * view into frame bytes past a batch (BatchOptions.transientBytes).
   */
  recycle?: ChunkPool,
): AsyncGenerator<Frame[]> {
  // Transient batches: one array, refilled for every batch (and the parser may reuse frames).
  if (transient) parser.recycleFrames?.();
  const batch: Frame[] = [];
  const nextBatch = (): Frame[] => {
    if (!transient) return [];
    batch.length = 0;
    return batch;
  };
  let parts: Buffer[] = [];
  let partsLen = 0;
  /** File offset of parts[0][0]. */
  let offset = 0;

  /** Chunks wholly consumed whose frames may still be in the batch being handed out. */
  const spent: Buffer[] = [];

  /** Drops the first n bytes of parts. */
  const consume = (n: number): void => {
    offset += n;
    partsLen -= n;
    while (n > 0) {
      const p = parts[0];
      if (p.length <= n) {
        n -= p.length;
        parts.shift();
        if (recycle !== undefined) spent.push(p);
      } else {
        parts[0] = p.subarray(n);
        n = 0;
      }
    }
  };

  /** A fresh buffer holding the first n bytes of parts (n <= partsLen). */
  const prefix = (n: number): Buffer => {
    const b = Buffer.allocUnsafe(n);
    let at = 0;
    for (const p of parts) {
      const take = Math.min(p.length, n - at);
      p.copy(b, at, 0, take);
      at += take;
      if (at === n) break;
    }
    return b;
  };

  try {
    for await (const chunk of chunks) {
      if (chunk.length === 0) continue;
      parts.push(chunk);
      partsLen += chunk.length;
      let out: Frame[] = nextBatch();
      while (partsLen > 0 && !parser.done) {
        if (parts.length === 1) {
          const used = parser.parse(parts[0], offset, out, MAX_BATCH_FRAMES);
          if (used > 0) consume(used);
          if (out.length < MAX_BATCH_FRAMES) break; // the parser needs more than what is left
          yield out;
          out = nextBatch();
          continue;
        }
        // The record at the start spans parts: wait until it is complete, then copy just it.
        const need = parser.need;
        if (partsLen < need) break;
        const used = parser.parse(prefix(need), offset, out);
        if (used > 0) consume(used);
        else if (!parser.done && parser.need <= need) throw new Error(`record parser made no progress at offset ${offset}`);
      }
      if (out.length > 0) yield out;
      // Every frame parsed so far has been handed out and the consumer asked for more.
      if (recycle !== undefined) {
        for (const p of spent) recycle.give(p);
        spent.length = 0;
      }
      if (parser.done) return;
    }
  } catch (e) {
    if (e instanceof CorruptCompressedDataError) {
      onProblem({ offset: offset + partsLen, reason: e.message });
      return;
    }
    throw e;
  }
  parser.finish(partsLen, offset);
  parts = [];
}

/**
 * Opening a capture: a path, '-' for standard input, or any byte stream. Gzip is detected
 * (1f 8b) and decompressed on the fly, then the format is chosen by its magic number.
 */
import type { BatchOptions, CaptureSource, Frame, SourceProblem } from './types.js';
import { ChunkPool, fileChunks, gunzipChunks, prependChunks, streamChunks, DEFAULT_CHUNK_SIZE } from './chunks.js';
import { recordBatches, type RecordParser } from './record-reader.js';
import { PcapParser, pcapMagic } from './pcap.js';
import { PcapngParser, isPcapngMagic } from './pcapng.js';

export interface OpenCaptureOptions {
  /** Called for each problem found in the file's content; reading stops or resynchronises. */
  onProblem?: (p: SourceProblem) => void;
  /** Bytes per read (default 256 KiB). */
  chunkSize?: number;
}

export type CaptureFormat = 'pcap' | 'pcapng';

/** A capture source that also tells what it detected. Its batches() may be iterated once. */
export interface OpenedCapture extends CaptureSource {
  format: CaptureFormat;
  gzipped: boolean;
}

/**
 * Opens a capture file ('-' = standard input). Rejects with a one-line Error when the file
 * cannot be read or is not a (possibly gzipped) pcap or pcapng file.
 */
export async function openCapture(path: string, opts: OpenCaptureOptions = {}): Promise<OpenedCapture> {
  if (path === '-') return openCaptureStream(process.stdin, opts, 'standard input');
  let chunks: AsyncGenerator<Buffer>;
  try {
    const pool = new ChunkPool(opts.chunkSize ?? DEFAULT_CHUNK_SIZE);
    chunks = fileChunks(path, pool);
    return await detect(chunks, opts, path, pool);
  } catch (e) {
    throw oneLineError(e, path);
  }
}

/** Opens a capture from a byte stream such as a Readable (not in string mode). */
export async function openCaptureStream(
  input: AsyncIterable<Uint8Array | string>,
  opts: OpenCaptureOptions = {},
  name = 'input stream',
): Promise<OpenedCapture> {
  try {
    return await detect(streamChunks(input), opts, name);
  } catch (e) {
    throw oneLineError(e, name);
  }
}

const MAGIC_BYTES = 4;

/** Reads chunks until `n` bytes are there (or the input ends); returns them and their total. */
async function peek(it: AsyncGenerator<Buffer>, n: number): Promise<{ head: Buffer[]; bytes: Buffer }> {
  const head: Buffer[] = [];
  let total = 0;
  while (total < n) {
    const r = await it.next();
    if (r.done) break;
    head.push(r.value);
    total += r.value.length;
  }
  return { head, bytes: Buffer.concat(head, total) };
}

/** `pool`: where `raw`'s buffers come from, to give them back to when the consumer allows it. */
async function detect(raw: AsyncGenerator<Buffer>, opts: OpenCaptureOptions, name: string, pool?: ChunkPool): Promise<OpenedCapture> {
  const onProblem = opts.onProblem ?? (() => {});
  let chunks = raw;
  let gzipped = false;
  let { head, bytes } = await peek(chunks, MAGIC_BYTES);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    gzipped = true;
    chunks = gunzipChunks(prependChunks(head, raw), opts.chunkSize ?? DEFAULT_CHUNK_SIZE);
    try {
      ({ head, bytes } = await peek(chunks, MAGIC_BYTES));
    } catch (e) {
      await chunks.return(undefined);
      if (e instanceof Error && e.message.startsWith('gzip:')) throw new Error(`${name}: corrupt gzip data (${e.message.slice(6)})`);
      throw e;
    }
  }
  let parser: RecordParser;
  let format: CaptureFormat;
  if (pcapMagic(bytes) !== null) {
    parser = new PcapParser(onProblem);
    format = 'pcap';
  } else if (isPcapngMagic(bytes)) {
    parser = new PcapngParser(onProblem);
    format = 'pcapng';
  } else {
    await chunks.return(undefined);
    const what = bytes.length === 0 ? 'empty file' : `unknown magic ${bytes.subarray(0, 4).toString('hex')}`;
    throw new Error(`${name}: not a pcap or pcapng file${gzipped ? ' (after gunzip)' : ''} (${what})`);
  }
  const body = prependChunks(head, chunks);
  let used = false;
  return {
    format,
    gzipped,
    batches(opts?: BatchOptions): AsyncIterable<Frame[]> {
      if (used) throw new Error('CaptureSource.batches() can only be iterated once');
      used = true;
      // Gunzipped data comes in zlib's buffers, not the pool's: nothing to give back.
      const recycle = opts?.transientBytes === true && !gzipped ? pool : undefined;
      return recordBatches(body, parser, onProblem, opts?.transient === true || opts?.transientBytes === true, recycle);
    },
  };
}

/** Turns an I/O error into a one-line message naming the file. */
function oneLineError(e: unknown, name: string): Error {
  if (!(e instanceof Error)) return new Error(`${name}: ${String(e)}`);
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new Error(`${name}: no such file`);
  if (code === 'EACCES' || code === 'EPERM') return new Error(`${name}: permission denied`);
  if (code === 'EISDIR') return new Error(`${name}: is a directory, not a capture file`);
  if (e.message.startsWith(name)) return e;
  return new Error(`${name}: ${e.message.split('\n')[0]}`);
}

/**
 * Streaming capture-file writers: classic pcap (microsecond or nanosecond timestamps) and
 * pcapng (SHB, IDB, EPB). Packets are copied into a large chunk buffer that is handed to a
 * file write stream when full, so memory stays bounded as long as the producer waits for
 * `drain()` when `backpressured` is true.
 */
import { createWriteStream, type WriteStream } from 'node:fs';

export type CaptureFormat = 'pcap' | 'nsec' | 'pcapng';

export const LINKTYPE_ETHERNET = 1;

/** Where a reserved packet goes: `len` bytes at `buf[off]` (valid until the next reserve). */
export interface PacketSlot {
  buf: Uint8Array;
  off: number;
}

/** Where synthetic packets go; frame numbers are 1-based in write order. */
export interface PacketSink {
  /** Number of packets written so far (= frame number of the last packet). */
  readonly frames: number;
  /**
   * Reserves room for one packet with capture length `len`; the caller fills the bytes
   * before the next call. The returned object is reused (no allocation per packet).
   */
  reserve(sec: number, nsec: number, len: number): PacketSlot;
}

export interface CaptureWriterOptions {
  /** Chunk size handed to the file stream (default 1 MiB). */
  chunkBytes?: number;
  snaplen?: number;
  linktype?: number;
  /** pcapng: shb_userappl option text. */
  application?: string;
}

const PCAP_MAGIC_USEC = 0xa1b2c3d4;
const PCAP_MAGIC_NSEC = 0xa1b23c4d;
const PCAP_RECORD_HEADER = 16;
const PCAPNG_EPB_OVERHEAD = 32; // type, length, ifid, ts hi, ts lo, caplen, origlen, trailing length

/** Per-format encoding of file header and packet records into a byte buffer. */
abstract class RecordFormat {
  abstract fileHeader(): Uint8Array;
  /** Bytes the record of a packet with capture length `len` takes. */
  abstract recordSize(len: number): number;
  /** Writes the record header at `off`, returns the offset of the packet data. */
  abstract writeRecordHeader(buf: Buffer, off: number, sec: number, nsec: number, len: number): number;
  /** Writes what follows the packet data (padding, trailer); `end` is just after the data. */
  abstract writeRecordTrailer(buf: Buffer, end: number, len: number): void;
}

class PcapFormat extends RecordFormat {
  constructor(
    private readonly nanosecond: boolean,
    private readonly snaplen: number,
    private readonly linktype: number,
  ) {
    super();
  }
  fileHeader(): Uint8Array {
    const b = Buffer.alloc(24);
    b.writeUInt32LE(this.nanosecond ? PCAP_MAGIC_NSEC : PCAP_MAGIC_USEC, 0);
    b.writeUInt16LE(2, 4);
    b.writeUInt16LE(4, 6);
    b.writeInt32LE(0, 8); // thiszone
    b.writeUInt32LE(0, 12); // sigfigs
    b.writeUInt32LE(this.snaplen, 16);
    b.writeUInt32LE(this.linktype, 20);
    return b;
  }
  recordSize(len: number): number {
    return PCAP_RECORD_HEADER + len;
  }
  writeRecordHeader(buf: Buffer, off: number, sec: number, nsec: number, len: number): number {
    buf.writeUInt32LE(sec >>> 0, off);
    buf.writeUInt32LE(this.nanosecond ? nsec : Math.floor(nsec / 1000), off + 4);
    buf.writeUInt32LE(len, off + 8);
    buf.writeUInt32LE(len, off + 12);
    return off + PCAP_RECORD_HEADER;
  }
  writeRecordTrailer(): void {}
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

class PcapngFormat extends RecordFormat {
  constructor(
    private readonly snaplen: number,
    private readonly linktype: number,
    private readonly application: string,
  ) {
    super();
  }
  fileHeader(): Uint8Array {
    // Section Header Block with shb_userappl, then one Interface Description Block with
    // if_tsresol = 9 (nanoseconds) so EPB timestamps carry full precision.
    const app = Buffer.from(this.application, 'utf8');
    const shbLen = 28 + 4 + pad4(app.length) + 4;
    const shb = Buffer.alloc(shbLen);
    shb.writeUInt32LE(0x0a0d0d0a, 0);
    shb.writeUInt32LE(shbLen, 4);
    shb.writeUInt32LE(0x1a2b3c4d, 8);
    shb.writeUInt16LE(1, 12);
    shb.writeUInt16LE(0, 14);
    shb.writeInt32LE(-1, 16); // section length unknown (-1, 64 bits)
    shb.writeInt32LE(-1, 20);
    let o = 24;
    shb.writeUInt16LE(4, o); // shb_userappl
    shb.writeUInt16LE(app.length, o + 2);
    app.copy(shb, o + 4);
    o += 4 + pad4(app.length);
    shb.writeUInt32LE(0, o); // opt_endofopt
    o += 4;
    shb.writeUInt32LE(shbLen, o);

    const idbLen = 16 + 8 + 4 + 4; // header, if_tsresol option, end of options, trailing length
    const idb = Buffer.alloc(idbLen);
    idb.writeUInt32LE(1, 0);
    idb.writeUInt32LE(idbLen, 4);
    idb.writeUInt16LE(this.linktype, 8);
    idb.writeUInt16LE(0, 10);
    idb.writeUInt32LE(this.snaplen, 12);
    idb.writeUInt16LE(9, 16); // if_tsresol
    idb.writeUInt16LE(1, 18);
    idb.writeUInt8(9, 20); // 10^-9
    idb.writeUInt32LE(0, 24); // opt_endofopt
    idb.writeUInt32LE(idbLen, 28);
    return Buffer.concat([shb, idb]);
  }
  recordSize(len: number): number {
    return PCAPNG_EPB_OVERHEAD + pad4(len);
  }
  writeRecordHeader(buf: Buffer, off: number, sec: number, nsec: number, len: number): number {
    const total = PCAPNG_EPB_OVERHEAD + pad4(len);
    const ts = BigInt(sec) * 1_000_000_000n + BigInt(nsec);
    buf.writeUInt32LE(6, off);
    buf.writeUInt32LE(total, off + 4);
    buf.writeUInt32LE(0, off + 8); // interface 0
    buf.writeUInt32LE(Number(ts >> 32n), off + 12);
    buf.writeUInt32LE(Number(ts & 0xffffffffn), off + 16);
    buf.writeUInt32LE(len, off + 20);
    buf.writeUInt32LE(len, off + 24);
    return off + 28;
  }
  writeRecordTrailer(buf: Buffer, end: number, len: number): void {
    const padded = pad4(len);
    buf.fill(0, end, end + (padded - len));
    buf.writeUInt32LE(PCAPNG_EPB_OVERHEAD + padded, end + (padded - len));
  }
}

function makeFormat(format: CaptureFormat, opts: CaptureWriterOptions): RecordFormat {
  const snaplen = opts.snaplen ?? 262144;
  const linktype = opts.linktype ?? LINKTYPE_ETHERNET;
  switch (format) {
    case 'pcap':
      return new PcapFormat(false, snaplen, linktype);
    case 'nsec':
      return new PcapFormat(true, snaplen, linktype);
    case 'pcapng':
      return new PcapngFormat(snaplen, linktype, opts.application ?? 'nfscope synth');
  }
}

/**
 * Writes packets to a file. Usage: `const w = new CaptureWriter(path, 'pcap')`, fill packets
 * through `packetSlot()` (or `writePacket()`), `if (w.backpressured) await w.drain()`
 * regularly in long loops, and `await w.close()` at the end.
 */
export class CaptureWriter implements PacketSink {
  frames = 0;
  /** Bytes handed to the file so far plus the bytes still in the current chunk. */
  bytesWritten = 0;
  private readonly fmt: RecordFormat;
  private readonly stream: WriteStream;
  private readonly chunkBytes: number;
  private chunk: Buffer;
  private used = 0;
  private waitingForDrain = false;
  /** Chunks the stream has finished writing, reused to spare the allocator and the GC. */
  private readonly spare: Buffer[] = [];
  private streamError: Error | null = null;

  constructor(path: string, format: CaptureFormat = 'pcap', opts: CaptureWriterOptions = {}) {
    this.fmt = makeFormat(format, opts);
    this.chunkBytes = opts.chunkBytes ?? 1 << 20;
    this.chunk = Buffer.allocUnsafe(this.chunkBytes);
    this.stream = createWriteStream(path, { highWaterMark: this.chunkBytes * 4 });
    this.stream.on('error', (e) => {
      this.streamError = e;
    });
    const header = this.fmt.fileHeader();
    Buffer.from(header.buffer, header.byteOffset, header.byteLength).copy(this.chunk, 0);
    this.used = header.byteLength;
    this.bytesWritten = header.byteLength;
  }

  /** True when the file stream asked the producer to wait; call `drain()` before going on. */
  get backpressured(): boolean {
    return this.waitingForDrain;
  }

  private readonly slot: PacketSlot = { buf: new Uint8Array(0), off: 0 };

  reserve(sec: number, nsec: number, len: number): PacketSlot {
    const size = this.fmt.recordSize(len);
    if (this.used + size > this.chunk.length) {
      this.flushChunk();
      if (size > this.chunk.length) this.chunk = Buffer.allocUnsafe(size);
    }
    const dataOff = this.fmt.writeRecordHeader(this.chunk, this.used, sec, nsec, len);
    this.fmt.writeRecordTrailer(this.chunk, dataOff + len, len);
    this.used += size;
    this.bytesWritten += size;
    this.frames++;
    this.slot.buf = this.chunk;
    this.slot.off = dataOff;
    return this.slot;
  }

  /** Copies one complete packet; returns its frame number. */
  writePacket(sec: number, nsec: number, data: Uint8Array): number {
    const s = this.reserve(sec, nsec, data.length);
    s.buf.set(data, s.off);
    return this.frames;
  }

  private flushChunk(): void {
    if (this.used === 0) return;
    if (this.streamError) throw this.streamError;
    const full = this.chunk;
    const out = full.subarray(0, this.used);
    // The stream keeps a reference to `out` until its write completes; only then may the
    // chunk be reused.
    this.chunk = this.spare.pop() ?? Buffer.allocUnsafe(this.chunkBytes);
    this.used = 0;
    const ok = this.stream.write(out, (err) => {
      if (!err && full.length === this.chunkBytes && this.spare.length < 8) this.spare.push(full);
    });
    if (!ok) this.waitingForDrain = true;
  }

  /** Resolves once the file stream has room again (immediately when it already has). */
  drain(): Promise<void> {
    if (this.streamError) return Promise.reject(this.streamError);
    if (!this.waitingForDrain) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onDrain = (): void => {
        this.stream.off('error', onError);
        this.waitingForDrain = false;
        resolve();
      };
      const onError = (e: Error): void => {
        this.stream.off('drain', onDrain);
        reject(e);
      };
      this.stream.once('drain', onDrain);
      this.stream.once('error', onError);
    });
  }

  /** Flushes the last chunk and closes the file. */
  async close(): Promise<void> {
    this.flushChunk();
    await new Promise<void>((resolve, reject) => {
      if (this.streamError) {
        reject(this.streamError);
        return;
      }
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
    if (this.streamError) throw this.streamError;
  }
}

/** A sink that keeps packets in memory (tests, small captures). */
export class MemorySink implements PacketSink {
  frames = 0;
  readonly packets: Array<{ sec: number; nsec: number; data: Uint8Array }> = [];
  reserve(sec: number, nsec: number, len: number): PacketSlot {
    const data = new Uint8Array(len);
    this.packets.push({ sec, nsec, data });
    this.frames++;
    return { buf: data, off: 0 };
  }
}

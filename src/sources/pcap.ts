/**
 * Classic libpcap files: a 24-byte file header then records of a 16-byte header and the
 * captured bytes. Microsecond (a1b2c3d4) and nanosecond (a1b23c4d) variants, either byte order.
 */
import type { Frame } from './types.js';
import type { ProblemSink, RecordParser } from './record-reader.js';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
const FILE_HEADER = 24;
const RECORD_HEADER = 16;
/** Whatever the snap length says, a record larger than this is corrupt, not a packet. */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;
/** Wireshark's largest ordinary packet; a larger snap length in the header raises the bound. */
const STANDARD_MAX_PACKET = 262144;

/** Byte order and resolution of a classic pcap file from its first 4 bytes, or null. */
export function pcapMagic(b: Uint8Array): { littleEndian: boolean; nano: boolean } | null {
  if (b.length < 4) return null;
  const be = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  const le = ((b[3] << 24) | (b[2] << 16) | (b[1] << 8) | b[0]) >>> 0;
  if (be === PCAP_MAGIC_US) return { littleEndian: false, nano: false };
  if (be === PCAP_MAGIC_NS) return { littleEndian: false, nano: true };
  if (le === PCAP_MAGIC_US) return { littleEndian: true, nano: false };
  if (le === PCAP_MAGIC_NS) return { littleEndian: true, nano: true };
  return null;
}

/**
 * A frame that points into the reader's buffer; its `data` view is made only if asked for
 * (the engine reads buf/start/caplen instead). The location is kept in private fields behind
 * getters, so that `{ ...frame, data: other }` gives a plain frame of the other bytes (a
 * copied `buf` would still point at the old ones).
 */
class BufferFrame implements Frame {
  #buf: Uint8Array;
  #start: number;
  #caplen: number;
  #data: Uint8Array | null = null;

  constructor(
    public no: number,
    public sec: number,
    public nsec: number,
    public linktype: number,
    buf: Uint8Array,
    start: number,
    caplen: number,
    public origLen: number,
  ) {
    this.#buf = buf;
    this.#start = start;
    this.#caplen = caplen;
  }

  /** Makes this object another frame (transient batches hand the same objects out again). */
  reset(no: number, sec: number, nsec: number, linktype: number, buf: Uint8Array, start: number, caplen: number, origLen: number): void {
    this.no = no;
    this.sec = sec;
    this.nsec = nsec;
    this.linktype = linktype;
    this.#buf = buf;
    this.#start = start;
    this.#caplen = caplen;
    this.origLen = origLen;
    this.#data = null;
  }

  get buf(): Uint8Array {
    return this.#buf;
  }

  get start(): number {
    return this.#start;
  }

  get caplen(): number {
    return this.#caplen;
  }

  get data(): Uint8Array {
    if (this.#data === null) this.#data = new Uint8Array(this.#buf.buffer, this.#buf.byteOffset + this.#start, this.#caplen);
    return this.#data;
  }

  /** Frames print as plain objects (getters alone would not show in JSON). */
  toJSON(): Frame {
    return { no: this.no, sec: this.sec, nsec: this.nsec, linktype: this.linktype, data: this.data, origLen: this.origLen };
  }
}

export class PcapParser implements RecordParser {
  need = FILE_HEADER;
  done = false;
  private headerSeen = false;
  private littleEndian = true;
  private nano = false;
  private linktype = 0;
  private maxCaplen = STANDARD_MAX_PACKET;
  private frameNo = 0;
  /** Frames handed out before, reused by batch position once the consumer allows it. */
  private pool: BufferFrame[] | null = null;

  constructor(private readonly onProblem: ProblemSink) {}

  recycleFrames(): void {
    this.pool ??= [];
  }

  parse(buf: Buffer, base: number, out: Frame[], maxFrames = Infinity): number {
    const len = buf.length;
    let pos = 0;
    if (!this.headerSeen) {
      if (len < FILE_HEADER) {
        this.need = FILE_HEADER;
        return 0;
      }
      const m = pcapMagic(buf);
      if (m === null) {
        this.stop(base, 'not a pcap file header');
        return 0;
      }
      this.littleEndian = m.littleEndian;
      this.nano = m.nano;
      const snaplen = m.littleEndian ? buf.readUInt32LE(16) : buf.readUInt32BE(16);
      // The upper bits of the link type field carry FCS information, not the type.
      this.linktype = (m.littleEndian ? buf.readUInt32LE(20) : buf.readUInt32BE(20)) & 0xffff;
      this.maxCaplen = Math.min(MAX_RECORD_BYTES, Math.max(snaplen, STANDARD_MAX_PACKET));
      this.headerSeen = true;
      pos = FILE_HEADER;
    }

    const view = new DataView(buf.buffer, buf.byteOffset, len);
    const le = this.littleEndian;
    const fracToNs = this.nano ? 1 : 1000;
    const linktype = this.linktype;
    const maxCaplen = this.maxCaplen;
    let no = this.frameNo;
    for (;;) {
      if (len - pos < RECORD_HEADER) {
        this.need = RECORD_HEADER;
        break;
      }
      if (out.length >= maxFrames) break;
      const caplen = view.getUint32(pos + 8, le);
      if (caplen > maxCaplen) {
        this.frameNo = no;
        this.stop(base + pos, `record header claims ${caplen} captured bytes (limit ${maxCaplen})`);
        return pos;
      }
      const end = pos + RECORD_HEADER + caplen;
      if (end > len) {
        this.need = RECORD_HEADER + caplen;
        break;
      }
      let sec = view.getUint32(pos, le);
      let nsec = view.getUint32(pos + 4, le) * fracToNs;
      if (nsec >= 1_000_000_000) {
        // Out-of-range fraction: carry whole seconds rather than produce an invalid time.
        sec += Math.floor(nsec / 1_000_000_000);
        nsec %= 1_000_000_000;
      }
      const origLen = view.getUint32(pos + 12, le);
      const pool = this.pool;
      if (pool === null) {
        out.push(new BufferFrame(++no, sec, nsec, linktype, buf, pos + RECORD_HEADER, caplen, origLen));
      } else {
        const i = out.length;
        let f = pool[i];
        if (f === undefined) pool[i] = f = new BufferFrame(++no, sec, nsec, linktype, buf, pos + RECORD_HEADER, caplen, origLen);
        else f.reset(++no, sec, nsec, linktype, buf, pos + RECORD_HEADER, caplen, origLen);
        out.push(f);
      }
      pos = end;
    }
    this.frameNo = no;
    return pos;
  }

  finish(remaining: number, offset: number): void {
    if (this.done) return;
    if (!this.headerSeen) this.onProblem({ offset, reason: `file ends inside the pcap file header (${remaining} bytes)` });
    else if (remaining > 0) {
      this.onProblem({
        offset,
        reason: remaining < RECORD_HEADER
          ? `file ends inside a record header (${remaining} of ${RECORD_HEADER} bytes)`
          : `file ends inside a record (${remaining} of ${this.need} bytes)`,
      });
    }
  }

  private stop(offset: number, reason: string): void {
    this.done = true;
    this.onProblem({ offset, reason });
  }
}

/**
 * pcapng files: blocks of {type, total length, body, total length}. Each section (SHB) has its
 * own byte order and its own list of interfaces (IDB), each with a link type and a timestamp
 * resolution. Packets come from EPB, SPB and the obsolete PB; other blocks are skipped.
 */
import type { Frame } from './types.js';
import type { ProblemSink, RecordParser } from './record-reader.js';
import { MAX_RECORD_BYTES } from './pcap.js';

export const PCAPNG_SHB = 0x0a0d0d0a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BLOCK_IDB = 1;
/** Interfaces kept per section (far more than any capture tool writes). */
export const MAX_INTERFACES = 65536;
const BLOCK_PB = 2;
const BLOCK_SPB = 3;
const BLOCK_EPB = 6;
const OPT_ENDOFOPT = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;
/** Smallest block that can be parsed: type, length, byte-order magic (for SHB). */
const BLOCK_PEEK = 12;

export function isPcapngMagic(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x0a && b[1] === 0x0d && b[2] === 0x0d && b[3] === 0x0a;
}

/** Timestamp units of one interface: either 10^-exp10 s with exp10 <= 9 (fast path) or any other fraction. */
interface Iface {
  linktype: number;
  snaplen: number;
  /** Units per second when a power of ten up to 10^9, else 0 (use `unitsBig`). */
  units: number;
  /** Nanoseconds per unit when `units` is set. */
  nsPerUnit: number;
  unitsBig: bigint;
  /** if_tsoffset: seconds added to every timestamp. */
  offsetSec: number;
}

export class PcapngParser implements RecordParser {
  need = BLOCK_PEEK;
  done = false;
  private littleEndian = true;
  private sectionSeen = false;
  private ifaces: Iface[] = [];
  private frameNo = 0;

  constructor(private readonly onProblem: ProblemSink) {}

  parse(buf: Buffer, base: number, out: Frame[], maxFrames = Infinity): number {
    const len = buf.length;
    const view = new DataView(buf.buffer, buf.byteOffset, len);
    let pos = 0;
    for (;;) {
      if (len - pos < BLOCK_PEEK) {
        this.need = BLOCK_PEEK;
        return pos;
      }
      if (out.length >= maxFrames) return pos;
      let le = this.littleEndian;
      const type = view.getUint32(pos, le);
      if (type === PCAPNG_SHB) {
        const magicLe = view.getUint32(pos + 8, true);
        if (magicLe === BYTE_ORDER_MAGIC) le = true;
        else if (view.getUint32(pos + 8, false) === BYTE_ORDER_MAGIC) le = false;
        else return this.stop(base + pos, 'section header block has a bad byte-order magic', pos);
      } else if (!this.sectionSeen) {
        return this.stop(base + pos, 'pcapng file does not start with a section header block', pos);
      }
      const blockLen = view.getUint32(pos + 4, le);
      if (blockLen < 12 || blockLen % 4 !== 0 || blockLen > MAX_RECORD_BYTES + 64) {
        return this.stop(base + pos, `bad block length ${blockLen} (block type 0x${type.toString(16)})`, pos);
      }
      if (len - pos < blockLen) {
        this.need = blockLen;
        return pos;
      }
      if (view.getUint32(pos + blockLen - 4, le) !== blockLen) {
        return this.stop(base + pos, `block length ${blockLen} does not match the trailing length (block type 0x${type.toString(16)})`, pos);
      }
      switch (type) {
        case PCAPNG_SHB:
          if (blockLen < 28) return this.stop(base + pos, `section header block too short (${blockLen} bytes)`, pos);
          this.littleEndian = le;
          this.sectionSeen = true;
          this.ifaces = [];
          break;
        case BLOCK_IDB:
          if (blockLen < 20) return this.stop(base + pos, `interface description block too short (${blockLen} bytes)`, pos);
          // Bounded: a file of nothing but interface blocks would otherwise grow the list
          // with the file (packets that name an interface beyond it are reported as undeclared).
          if (this.ifaces.length >= MAX_INTERFACES) this.problem(base + pos, `interface description beyond ${MAX_INTERFACES} in one section (ignored)`);
          else this.ifaces.push(this.readIdb(view, pos, blockLen, le));
          break;
        case BLOCK_EPB:
        case BLOCK_PB: {
          if (blockLen < 32) {
            this.problem(base + pos, `packet block too short (${blockLen} bytes)`);
            break;
          }
          const ifId = type === BLOCK_EPB ? view.getUint32(pos + 8, le) : view.getUint16(pos + 8, le);
          const iface = this.ifaces[ifId];
          if (iface === undefined) {
            this.problem(base + pos, `packet block refers to undeclared interface ${ifId}`);
            break;
          }
          const caplen = view.getUint32(pos + 20, le);
          if (caplen > blockLen - 32) {
            this.problem(base + pos, `packet block captured length ${caplen} exceeds its block (${blockLen} bytes)`);
            break;
          }
          const frame: Frame = {
            no: ++this.frameNo,
            sec: 0,
            nsec: 0,
            linktype: iface.linktype,
            data: new Uint8Array(buf.buffer, buf.byteOffset + pos + 28, caplen),
            origLen: view.getUint32(pos + 24, le),
          };
          setTime(frame, iface, view.getUint32(pos + 12, le), view.getUint32(pos + 16, le));
          out.push(frame);
          break;
        }
        case BLOCK_SPB: {
          const iface = this.ifaces[0];
          if (iface === undefined) {
            this.problem(base + pos, 'simple packet block without an interface');
            break;
          }
          const origLen = view.getUint32(pos + 8, le);
          let caplen = Math.min(origLen, blockLen - 16);
          if (iface.snaplen > 0 && caplen > iface.snaplen) caplen = iface.snaplen;
          // An SPB has no timestamp: the frame gets time 0.
          out.push({
            no: ++this.frameNo,
            sec: 0,
            nsec: 0,
            linktype: iface.linktype,
            data: new Uint8Array(buf.buffer, buf.byteOffset + pos + 12, caplen),
            origLen,
          });
          break;
        }
        default:
          break; // name resolution, statistics, custom and unknown blocks carry no packets
      }
      pos += blockLen;
    }
  }

  finish(remaining: number, offset: number): void {
    if (this.done || remaining === 0) return;
    this.onProblem({
      offset,
      reason: remaining < BLOCK_PEEK
        ? `file ends inside a block header (${remaining} bytes)`
        : `file ends inside a block (${remaining} of ${this.need} bytes)`,
    });
  }

  private readIdb(view: DataView, pos: number, blockLen: number, le: boolean): Iface {
    const iface: Iface = {
      linktype: view.getUint16(pos + 8, le),
      snaplen: view.getUint32(pos + 12, le),
      units: 1_000_000,
      nsPerUnit: 1000,
      unitsBig: 1_000_000n,
      offsetSec: 0,
    };
    let o = pos + 16;
    const end = pos + blockLen - 4;
    while (o + 4 <= end) {
      const code = view.getUint16(o, le);
      const olen = view.getUint16(o + 2, le);
      const v = o + 4;
      if (code === OPT_ENDOFOPT || v + olen > end) break;
      if (code === OPT_IF_TSRESOL && olen >= 1) {
        const r = view.getUint8(v);
        const exp = r & 0x7f;
        if (r & 0x80) {
          iface.units = 0;
          iface.unitsBig = 1n << BigInt(exp);
        } else if (exp <= 9) {
          iface.units = 10 ** exp;
          iface.nsPerUnit = 10 ** (9 - exp);
          iface.unitsBig = BigInt(iface.units);
        } else {
          iface.units = 0;
          iface.unitsBig = 10n ** BigInt(exp);
        }
      } else if (code === OPT_IF_TSOFFSET && olen >= 8) {
        iface.offsetSec = Number(view.getBigInt64(v, le));
      }
      o = v + ((olen + 3) & ~3);
    }
    return iface;
  }

  private problem(offset: number, reason: string): void {
    this.onProblem({ offset, reason });
  }

  private stop(offset: number, reason: string, pos: number): number {
    this.done = true;
    this.onProblem({ offset, reason });
    return pos;
  }
}

/** Splits a 64-bit count of interface units into seconds and nanoseconds. */
function setTime(frame: Frame, iface: Iface, high: number, low: number): void {
  const units = iface.units;
  if (units !== 0) {
    // Long division by a divisor <= 10^9 < 2^30 in base-2^16 digits: every step is exact in doubles.
    let r = 0;
    let q = 0;
    let cur = high >>> 16;
    let d = Math.floor(cur / units);
    r = cur - d * units;
    q = d;
    cur = r * 65536 + (high & 0xffff);
    d = Math.floor(cur / units);
    r = cur - d * units;
    q = q * 65536 + d;
    cur = r * 65536 + (low >>> 16);
    d = Math.floor(cur / units);
    r = cur - d * units;
    q = q * 65536 + d;
    cur = r * 65536 + (low & 0xffff);
    d = Math.floor(cur / units);
    r = cur - d * units;
    q = q * 65536 + d;
    frame.sec = q + iface.offsetSec;
    frame.nsec = r * iface.nsPerUnit;
    return;
  }
  const v = (BigInt(high) << 32n) | BigInt(low);
  const sec = v / iface.unitsBig;
  const rem = v - sec * iface.unitsBig;
  frame.sec = Number(sec) + iface.offsetSec;
  frame.nsec = Number((rem * 1_000_000_000n) / iface.unitsBig);
}

/**
 * Test helper: extracts ONC RPC records from a bundled classic-pcap capture (Ethernet,
 * IPv4/IPv6, TCP) with just enough TCP reassembly (in-order delivery by sequence number,
 * retransmissions dropped) and record marking, then finds each record's procedure and body
 * offset, matching replies to calls by (connection, caller direction, xid).
 * Independent of the project's pipeline so the NFSv4 dissector tests run without it.
 */
import { readFileSync } from 'node:fs';

export interface TestRecord {
  /** Frame (1-based) where the record's last byte arrived. */
  frame: number;
  conn: string;
  /** 'ab' = from the side that sent the first segment seen, 'ba' = the other side. */
  dir: 'ab' | 'ba';
  bytes: Uint8Array;
  xid: number;
  type: 'call' | 'reply';
  /** Known for calls, and for replies whose call was seen. */
  prog?: number;
  vers?: number;
  proc?: number;
  /** Offset of the procedure arguments / results; undefined when not decodable. */
  bodyOffset?: number;
  /** Calls: credential flavor; replies: accept_stat (0 = SUCCESS). */
  flavor?: number;
  acceptStat?: number;
}

interface Half {
  nextSeq: number | undefined;
  pending: Map<number, { data: Uint8Array; frame: number }>;
  /** Record-marking state. */
  buf: Uint8Array;
  bufFrames: number[];
  fragments: Uint8Array[];
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const r = new Uint8Array(a.length + b.length);
  r.set(a, 0);
  r.set(b, a.length);
  return r;
}

/** Every RPC record of a capture, in the order the records complete. */
/** Packet bytes of every frame of a classic pcap or pcapng file with Ethernet link type. */
function* ethernetFrames(path: string): Generator<Uint8Array> {
  const file = new Uint8Array(readFileSync(path));
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magic = dv.getUint32(0, false);
  if (magic === 0x0a0d0d0a) {
    const le = dv.getUint32(8, true) === 0x1a2b3c4d;
    const linktypes: number[] = [];
    let off = 0;
    while (off + 12 <= file.length) {
      const type = dv.getUint32(off, le);
      const len = dv.getUint32(off + 4, le);
      if (len < 12) throw new Error(`${path}: bad pcapng block`);
      if (type === 0x0a0d0d0a) linktypes.length = 0;
      else if (type === 1) linktypes.push(dv.getUint16(off + 8, le));
      else if (type === 6) {
        const iface = dv.getUint32(off + 8, le);
        if (linktypes[iface] !== 1) throw new Error(`${path}: linktype ${linktypes[iface]} not supported`);
        const incl = dv.getUint32(off + 20, le);
        yield file.subarray(off + 28, off + 28 + incl);
      } else if (type === 3) {
        yield file.subarray(off + 12, off + len - 4);
      }
      off += len;
    }
    return;
  }
  let le: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = false;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = true;
  else throw new Error(`${path}: not a pcap file`);
  const linktype = dv.getUint32(20, le);
  if (linktype !== 1) throw new Error(`${path}: linktype ${linktype} not supported by the test helper`);
  let off = 24;
  while (off + 16 <= file.length) {
    const incl = dv.getUint32(off + 8, le);
    yield file.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
  }
}

export function extractRecords(path: string): TestRecord[] {
  const halves = new Map<string, Half>();
  const connFirst = new Map<string, string>();
  const out: TestRecord[] = [];
  let frame = 0;
  for (const pkt of ethernetFrames(path)) {
    frame++;
    let p = 12;
    let etype = (pkt[p] << 8) | pkt[p + 1];
    p += 2;
    while (etype === 0x8100) { etype = (pkt[p + 2] << 8) | pkt[p + 3]; p += 4; }
    let src: string, dst: string, l4: Uint8Array;
    if (etype === 0x0800) {
      const ihl = (pkt[p] & 0x0f) * 4;
      const total = (pkt[p + 2] << 8) | pkt[p + 3];
      if (pkt[p + 9] !== 6) continue;
      src = pkt.subarray(p + 12, p + 16).join('.');
      dst = pkt.subarray(p + 16, p + 20).join('.');
      l4 = pkt.subarray(p + ihl, p + total);
    } else if (etype === 0x86dd) {
      if (pkt[p + 6] !== 6) continue;
      const plen = (pkt[p + 4] << 8) | pkt[p + 5];
      src = Buffer.from(pkt.subarray(p + 8, p + 24)).toString('hex');
      dst = Buffer.from(pkt.subarray(p + 24, p + 40)).toString('hex');
      l4 = pkt.subarray(p + 40, p + 40 + plen);
    } else continue;
    const sport = (l4[0] << 8) | l4[1];
    const dport = (l4[2] << 8) | l4[3];
    const seq = u32(l4, 4);
    const flags = l4[13];
    const doff = (l4[12] >> 4) * 4;
    const payload = l4.subarray(doff);
    const a = `${src}:${sport}`;
    const b = `${dst}:${dport}`;
    const connKey = a < b ? `${a}-${b}` : `${b}-${a}`;
    if (!connFirst.has(connKey)) connFirst.set(connKey, a);
    const dir: 'ab' | 'ba' = connFirst.get(connKey) === a ? 'ab' : 'ba';
    const hk = `${connKey}/${dir}`;
    let h = halves.get(hk);
    if (!h) {
      h = { nextSeq: undefined, pending: new Map(), buf: new Uint8Array(0), bufFrames: [], fragments: [] };
      halves.set(hk, h);
    }
    if (flags & 0x02) { h.nextSeq = (seq + 1) >>> 0; continue; }
    if (payload.length === 0) continue;
    if (h.nextSeq === undefined) h.nextSeq = seq;
    h.pending.set(seq, { data: payload, frame });
    // Deliver in order; drop bytes already delivered (retransmissions, overlaps).
    for (;;) {
      let progressed = false;
      for (const [s, seg] of h.pending) {
        const rel = (s - h.nextSeq!) | 0;
        if (rel > 0) continue;
        h.pending.delete(s);
        if (-rel < seg.data.length) {
          const fresh = seg.data.subarray(-rel);
          deliver(h, fresh, seg.frame, connKey, dir, out);
          h.nextSeq = (h.nextSeq! + fresh.length) >>> 0;
          progressed = true;
        }
      }
      if (!progressed) break;
    }
  }
  annotate(out);
  return out;
}

function deliver(h: Half, data: Uint8Array, frame: number, conn: string, dir: 'ab' | 'ba', out: TestRecord[]): void {
  h.buf = concat(h.buf, data);
  for (;;) {
    if (h.buf.length < 4) return;
    const mark = u32(h.buf, 0);
    const len = mark & 0x7fffffff;
    if (h.buf.length < 4 + len) return;
    h.fragments.push(h.buf.slice(4, 4 + len));
    h.buf = h.buf.slice(4 + len);
    if (mark & 0x80000000) {
      let rec: Uint8Array = new Uint8Array(0);
      for (const f of h.fragments) rec = concat(rec, f);
      h.fragments = [];
      if (rec.length >= 8) {
        out.push({ frame, conn, dir, bytes: rec, xid: u32(rec, 0), type: u32(rec, 4) === 0 ? 'call' : 'reply' });
      }
    }
  }
}

/** Fills procedure and body offsets: calls from their header, replies from their call. */
function annotate(records: TestRecord[]): void {
  const calls = new Map<string, TestRecord>();
  for (const r of records) {
    const b = r.bytes;
    if (r.type === 'call') {
      if (b.length < 40) continue;
      r.prog = u32(b, 12); r.vers = u32(b, 16); r.proc = u32(b, 20);
      r.flavor = u32(b, 24);
      const credLen = u32(b, 28);
      const verfOff = 32 + ((credLen + 3) & ~3);
      if (verfOff + 8 > b.length) continue;
      const verfLen = u32(b, verfOff + 4);
      r.bodyOffset = verfOff + 8 + ((verfLen + 3) & ~3);
      calls.set(`${r.conn}/${r.dir}/${r.xid}`, r);
    } else {
      const callDir = r.dir === 'ab' ? 'ba' : 'ab';
      const call = calls.get(`${r.conn}/${callDir}/${r.xid}`);
      if (call) { r.prog = call.prog; r.vers = call.vers; r.proc = call.proc; }
      if (u32(b, 8) !== 0 || b.length < 24) continue; // MSG_DENIED
      const verfLen = u32(b, 16);
      const asOff = 20 + ((verfLen + 3) & ~3);
      if (asOff + 4 > b.length) continue;
      r.acceptStat = u32(b, asOff);
      if (r.acceptStat === 0) r.bodyOffset = asOff + 4;
    }
  }
}

/** The NFS program of a record: 100003 -> 'NFS', the callback program -> 'NFS_CB'. */
export function programOf(r: TestRecord, cbPrograms: ReadonlySet<number> = new Set([0x40000000])): 'NFS' | 'NFS_CB' | undefined {
  if (r.prog === 100003) return 'NFS';
  if (r.prog !== undefined && cbPrograms.has(r.prog)) return 'NFS_CB';
  return undefined;
}

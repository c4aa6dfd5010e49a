/**
 * Hand-made classic pcap files for tests: a little-endian microsecond file header and
 * raw-IPv4 (link type 101) TCP frames, for streams no real capture has.
 */

export const LINKTYPE_RAW = 101;

/** The 24-byte file header (snap length 262144). */
export function pcapFileHeader(linktype = LINKTYPE_RAW): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(262144, 16);
  h.writeUInt32LE(linktype, 20);
  return h;
}

export interface RawTcpSegment {
  /** Microseconds after the capture's first second. */
  usec: number;
  src: [number, number, number, number];
  srcPort: number;
  dst: [number, number, number, number];
  dstPort: number;
  seq: number;
  ack?: number;
  /** TCP flags (default PSH ACK). */
  flags?: number;
  payload: Uint8Array;
}

/** One pcap record (16-byte header + frame) of a raw-IPv4 TCP segment. */
export function rawTcpRecord(s: RawTcpSegment): Buffer {
  const f = Buffer.alloc(40 + s.payload.length);
  f[0] = 0x45;
  f.writeUInt16BE(f.length, 2);
  f[8] = 64;
  f[9] = 6;
  f.set(s.src, 12);
  f.set(s.dst, 16);
  f.writeUInt16BE(s.srcPort, 20);
  f.writeUInt16BE(s.dstPort, 22);
  f.writeUInt32BE(s.seq >>> 0, 24);
  f.writeUInt32BE((s.ack ?? 0) >>> 0, 28);
  f[32] = 5 << 4;
  f[33] = s.flags ?? 0x18;
  f.writeUInt16BE(65535, 34);
  f.set(s.payload, 40);
  const h = Buffer.alloc(16);
  h.writeUInt32LE(1_800_000_000 + Math.floor(s.usec / 1e6), 0);
  h.writeUInt32LE(s.usec % 1e6, 4);
  h.writeUInt32LE(f.length, 8);
  h.writeUInt32LE(f.length, 12);
  return Buffer.concat([h, f]);
}

/** A record-marked ONC RPC call header (AUTH_NONE) of NFSv4 `proc` followed by `bodyLen` zero bytes. */
export function markedNfsCall(xid: number, proc: number, bodyLen = 0): Buffer {
  const b = Buffer.alloc(44 + bodyLen);
  b.writeUInt32BE((0x80000000 | (40 + bodyLen)) >>> 0, 0);
  b.writeUInt32BE(xid >>> 0, 4);
  b.writeUInt32BE(2, 12); // rpcvers; msg_type 0 = call
  b.writeUInt32BE(100003, 16);
  b.writeUInt32BE(4, 20);
  b.writeUInt32BE(proc, 24); // then AUTH_NONE credential and verifier (zeros)
  return b;
}

/**
 * Frame -> transport segment: link layer (Ethernet with VLAN tags, Linux cooked v1/v2, raw IP,
 * BSD loopback), IPv4 (with fragment reassembly) or IPv6 (extension headers skipped), then TCP
 * or UDP. Anything else yields a short stable reason for the drop counters.
 */
import type { Frame } from '../sources/types.js';
import type { LinkDecodeResult, TransportSegment } from './types.js';
import { ipv4String, ipv6String } from './addr.js';
import type { Ipv4Reassembler } from './ipv4-reassembler.js';

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW_DLT12 = 12;
export const LINKTYPE_RAW_DLT14 = 14;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_QINQ_OLD = 0x9100;

const ARPHRD_NETLINK = 824;

const PROTO_TCP = 6;
const PROTO_UDP = 17;

/** Reasons that do not depend on the packet (kept as constants so counters share strings). */
const NOT_IP: LinkDecodeResult = { ok: false, reason: 'not IP' };
const PENDING: LinkDecodeResult = { ok: 'pending' };
const fail = (reason: string): LinkDecodeResult => ({ ok: false, reason });

const EMPTY_PAYLOAD = new Uint8Array(0);

/**
 * The segment decodeFrame fills: its payload is located by payloadBuf/payloadStart/
 * payloadLength, and the `payload` view is made only when read (most consumers pass the
 * location on instead).
 */
class SegmentSlot implements TransportSegment {
  frame = 0;
  sec = 0;
  nsec = 0;
  proto: 'tcp' | 'udp' = 'tcp';
  srcIp = '';
  dstIp = '';
  srcKey = 0;
  dstKey = 0;
  srcPort = 0;
  dstPort = 0;
  seq = 0;
  ack = 0;
  flags = 0;
  missing = 0;
  payloadBuf: Uint8Array = EMPTY_PAYLOAD;
  payloadStart = 0;
  payloadLength = 0;
  #view: Uint8Array | null = null;

  get payload(): Uint8Array {
    if (this.#view === null) {
      const b = this.payloadBuf;
      this.#view = this.payloadLength === 0 ? EMPTY_PAYLOAD : new Uint8Array(b.buffer, b.byteOffset + this.payloadStart, this.payloadLength);
    }
    return this.#view;
  }

  set payload(bytes: Uint8Array) {
    this.setPayload(bytes, 0, bytes.length);
  }

  setPayload(buf: Uint8Array, start: number, length: number): void {
    this.payloadBuf = buf;
    this.payloadStart = start;
    this.payloadLength = length;
    this.#view = null;
  }
}

/** A successful result whose segment object a caller lets decodeFrame overwrite. */
export type ReusableSegmentResult = { ok: true; segment: SegmentSlot };

/** A fresh reusable result for decodeFrame's `reuse` argument. */
export function newReusableSegmentResult(): ReusableSegmentResult {
  return { ok: true, segment: new SegmentSlot() };
}

/**
 * Decodes one frame down to its TCP or UDP payload. Never throws on malformed bytes.
 * With `reuse`, a successful decode overwrites reuse.segment and returns `reuse` itself (no
 * allocation per frame): for callers that are done with the previous segment when they
 * decode the next frame. A frame that says where its bytes lie (buf/start/caplen) is read in
 * place, without making its `data` view.
 */
export function decodeFrame(frame: Frame, ipReassembler: Ipv4Reassembler, reuse: ReusableSegmentResult | null = null): LinkDecodeResult {
  const buf = frame.buf;
  if (buf !== undefined) {
    const start = frame.start ?? 0;
    return decodeLink(frame, buf, start, start + (frame.caplen ?? 0), ipReassembler, reuse);
  }
  const d = frame.data;
  return decodeLink(frame, d, 0, d.length, ipReassembler, reuse);
}

/** The link layer of the frame whose bytes are d[b..end). Offsets below are indexes into d. */
function decodeLink(frame: Frame, d: Uint8Array, b: number, end: number, ipReassembler: Ipv4Reassembler, reuse: ReusableSegmentResult | null): LinkDecodeResult {
  const len = end - b;
  switch (frame.linktype) {
    case LINKTYPE_ETHERNET:
      if (len < 14) return fail('truncated Ethernet header');
      return etherType(frame, d, end, (d[b + 12] << 8) | d[b + 13], b + 14, ipReassembler, reuse);
    case LINKTYPE_LINUX_SLL:
      if (len < 16) return fail('truncated Linux cooked header');
      // On netlink captures the protocol field holds a netlink family, not an EtherType.
      if (((d[b + 2] << 8) | d[b + 3]) === ARPHRD_NETLINK) return NOT_IP;
      return etherType(frame, d, end, (d[b + 14] << 8) | d[b + 15], b + 16, ipReassembler, reuse);
    case LINKTYPE_LINUX_SLL2:
      if (len < 20) return fail('truncated Linux cooked v2 header');
      if (((d[b + 8] << 8) | d[b + 9]) === ARPHRD_NETLINK) return NOT_IP;
      return etherType(frame, d, end, (d[b] << 8) | d[b + 1], b + 20, ipReassembler, reuse);
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_DLT12:
    case LINKTYPE_RAW_DLT14:
      if (len < 1) return fail('truncated IP header');
      if (d[b] >> 4 === 4) return ipv4(frame, d, end, b, ipReassembler, reuse);
      if (d[b] >> 4 === 6) return ipv6(frame, d, end, b, reuse);
      return fail('bad IP version');
    case LINKTYPE_IPV4:
      return ipv4(frame, d, end, b, ipReassembler, reuse);
    case LINKTYPE_IPV6:
      return ipv6(frame, d, end, b, reuse);
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
      if (len < 4) return fail('truncated loopback header');
      const be = ((d[b] << 24) | (d[b + 1] << 16) | (d[b + 2] << 8) | d[b + 3]) >>> 0;
      // DLT_NULL stores the family in the capturing host's byte order; families are small numbers.
      const family = frame.linktype === LINKTYPE_LOOP || be <= 0xffff ? be : ((d[b + 3] << 24) | (d[b + 2] << 16) | (d[b + 1] << 8) | d[b]) >>> 0;
      if (family === 2) return ipv4(frame, d, end, b + 4, ipReassembler, reuse);
      if (family === 24 || family === 28 || family === 30 || family === 10) return ipv6(frame, d, end, b + 4, reuse);
      return NOT_IP;
    }
    default:
      return fail(`unsupported link type ${frame.linktype}`);
  }
}

function etherType(frame: Frame, d: Uint8Array, end: number, type: number, off: number, reasm: Ipv4Reassembler, reuse: ReusableSegmentResult | null): LinkDecodeResult {
  // Each tag moves 4 bytes on, so the loop ends with the data.
  while (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD) {
    if (end < off + 4) return fail('truncated VLAN tag');
    type = (d[off + 2] << 8) | d[off + 3];
    off += 4;
  }
  if (type === ETHERTYPE_IPV4) return ipv4(frame, d, end, off, reasm, reuse);
  if (type === ETHERTYPE_IPV6) return ipv6(frame, d, end, off, reuse);
  return NOT_IP;
}

/** IPv4 header at d[off]; the frame's captured bytes end at `end`. */
function ipv4(frame: Frame, d: Uint8Array, end: number, off: number, reasm: Ipv4Reassembler, reuse: ReusableSegmentResult | null): LinkDecodeResult {
  reasm.expire(frame.sec);
  if (end - off < 20) return fail('truncated IPv4 header');
  const vihl = d[off];
  if (vihl >> 4 !== 4) return fail('bad IP version');
  const ihl = (vihl & 0x0f) * 4;
  if (ihl < 20) return fail('bad IPv4 header length');
  if (off + ihl > end) return fail('truncated IPv4 header');
  const totalLen = (d[off + 2] << 8) | d[off + 3];
  let ipEnd: number;
  let missing = 0;
  if (totalLen === 0) {
    ipEnd = end; // segmentation offload on the capturing host leaves the length 0
  } else {
    if (totalLen < ihl) return fail('bad IPv4 total length');
    ipEnd = off + totalLen; // trims Ethernet padding
    if (ipEnd > end) {
      missing = ipEnd - end;
      ipEnd = end;
    }
  }
  const proto = d[off + 9];
  if (proto !== PROTO_TCP && proto !== PROTO_UDP) return fail(protocolReason(proto));
  const frag = (d[off + 6] << 8) | d[off + 7];
  const more = (frag & 0x2000) !== 0;
  const fragOffset = (frag & 0x1fff) * 8;
  if (more || fragOffset !== 0) {
    if (missing > 0) return fail('IPv4 fragment (cut short by snaplen)');
    const id = (d[off + 4] << 8) | d[off + 5];
    const key = `${ipv4String(d, off + 12)} ${ipv4String(d, off + 16)} ${proto} ${id}`;
    const r = reasm.add(key, fragOffset, more, d.subarray(off + ihl, ipEnd), frame.sec);
    if (r.done) return transport(frame, proto, d, off + 12, 4, r.payload, 0, r.payload.length, 0, reuse);
    if ('dropped' in r) return fail(r.dropped);
    return PENDING;
  }
  return transport(frame, proto, d, off + 12, 4, d, off + ihl, ipEnd, missing, reuse);
}

/** IPv6 header at d[off]; the frame's captured bytes end at `end`. */
function ipv6(frame: Frame, d: Uint8Array, end: number, off: number, reuse: ReusableSegmentResult | null): LinkDecodeResult {
  if (end - off < 40) return fail('truncated IPv6 header');
  if (d[off] >> 4 !== 6) return fail('bad IP version');
  const payloadLen = (d[off + 4] << 8) | d[off + 5];
  let next = d[off + 6];
  let start = off + 40;
  let ipEnd: number;
  let missing = 0;
  if (payloadLen === 0) {
    ipEnd = end; // jumbogram or offload: take what was captured
  } else {
    ipEnd = start + payloadLen;
    if (ipEnd > end) {
      missing = ipEnd - end;
      ipEnd = end;
    }
  }
  // Extension headers; each moves at least 8 bytes on, so the loop ends with the data.
  for (;;) {
    switch (next) {
      case 0: // hop-by-hop options
      case 43: // routing
      case 60: // destination options
      case 51: { // authentication header (length in 4-byte units)
        if (ipEnd - start < 8) return fail('truncated IPv6 extension header');
        const hdrLen = next === 51 ? (d[start + 1] + 2) * 4 : (d[start + 1] + 1) * 8;
        next = d[start];
        start += hdrLen;
        if (start > ipEnd) return fail('truncated IPv6 extension header');
        continue;
      }
      case 44: { // fragment
        if (ipEnd - start < 8) return fail('truncated IPv6 extension header');
        const fragField = (d[start + 2] << 8) | d[start + 3];
        // An "atomic" fragment (offset 0, no more fragments) is the whole packet.
        if ((fragField & 0xfff9) !== 0) return fail('IPv6 fragment');
        next = d[start];
        start += 8;
        continue;
      }
      case 59:
        return fail('IPv6 no next header');
      default:
        break;
    }
    break;
  }
  if (next !== PROTO_TCP && next !== PROTO_UDP) return fail(protocolReason(next));
  return transport(frame, next, d, off + 8, 6, d, start, ipEnd, missing, reuse);
}

/**
 * TCP or UDP header at `start` of `p` (the frame's bytes, or a reassembled datagram); the
 * addresses are at `addrOff` of `a` (16 bytes apart for IPv6, 4 for IPv4).
 */
function transport(
  frame: Frame,
  proto: number,
  a: Uint8Array,
  addrOff: number,
  version: 4 | 6,
  p: Uint8Array,
  start: number,
  end: number,
  missing: number,
  reuse: ReusableSegmentResult | null,
): LinkDecodeResult {
  const avail = end - start;
  if (proto === PROTO_TCP) {
    if (avail < 20) return fail('truncated TCP header');
    const hdrLen = (p[start + 12] >> 4) * 4;
    if (hdrLen < 20) return fail('bad TCP header length');
    if (hdrLen > avail) return fail('truncated TCP header');
    // Without `reuse`, a fresh result is filled the same way: one code path for both.
    const out = reuse ?? newReusableSegmentResult();
    const s = out.segment;
    fillCommon(s, frame, 'tcp', a, addrOff, version, p, start);
    s.seq = ((p[start + 4] << 24) | (p[start + 5] << 16) | (p[start + 6] << 8) | p[start + 7]) >>> 0;
    s.ack = ((p[start + 8] << 24) | (p[start + 9] << 16) | (p[start + 10] << 8) | p[start + 11]) >>> 0;
    s.flags = ((p[start + 12] & 1) << 8) | p[start + 13];
    s.setPayload(p, start + hdrLen, end - start - hdrLen);
    s.missing = missing;
    return out;
  }
  if (avail < 8) return fail('truncated UDP header');
  const udpLen = (p[start + 4] << 8) | p[start + 5];
  let payEnd: number;
  if (udpLen === 0) {
    payEnd = end; // offload or jumbogram
  } else {
    if (udpLen < 8) return fail('bad UDP length');
    payEnd = start + udpLen;
    if (payEnd > end) {
      // Cut by the snap length (counted in `missing`) or a length that lies: keep what is there.
      if (missing === 0) missing = payEnd - end;
      payEnd = end;
    }
  }
  const out = reuse ?? newReusableSegmentResult();
  const s = out.segment;
  fillCommon(s, frame, 'udp', a, addrOff, version, p, start);
  s.seq = 0;
  s.ack = 0;
  s.flags = 0;
  s.setPayload(p, start + 8, payEnd - start - 8);
  s.missing = missing;
  return out;
}

/** Frame, time, addresses and ports: the part of a segment TCP and UDP fill alike. */
function fillCommon(
  s: SegmentSlot, frame: Frame, proto: 'tcp' | 'udp', a: Uint8Array, addrOff: number, version: 4 | 6, p: Uint8Array, start: number,
): void {
  s.frame = frame.no;
  s.sec = frame.sec;
  s.nsec = frame.nsec;
  s.proto = proto;
  if (version === 4) {
    s.srcIp = ipv4String(a, addrOff);
    s.dstIp = ipv4String(a, addrOff + 4);
    s.srcKey = (a[addrOff] << 24) | (a[addrOff + 1] << 16) | (a[addrOff + 2] << 8) | a[addrOff + 3];
    s.dstKey = (a[addrOff + 4] << 24) | (a[addrOff + 5] << 16) | (a[addrOff + 6] << 8) | a[addrOff + 7];
  } else {
    s.srcIp = ipv6String(a, addrOff);
    s.dstIp = ipv6String(a, addrOff + 16);
    s.srcKey = ipv6Key(a, addrOff);
    s.dstKey = ipv6Key(a, addrOff + 16);
  }
  s.srcPort = (p[start] << 8) | p[start + 1];
  s.dstPort = (p[start + 2] << 8) | p[start + 3];
}

/** 32-bit digest of the 16 address bytes at `off` (collisions possible; see TransportSegment.srcKey). */
function ipv6Key(a: Uint8Array, off: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < 16; i += 4) {
    h = Math.imul(h ^ ((a[off + i] << 24) | (a[off + i + 1] << 16) | (a[off + i + 2] << 8) | a[off + i + 3]), 0x01000193);
    h ^= h >>> 15;
  }
  return h | 0;
}

const PROTOCOL_NAMES: Record<number, string> = {
  1: 'ICMP',
  2: 'IGMP',
  4: 'IP in IP',
  41: 'IPv6 in IP',
  47: 'GRE',
  50: 'ESP',
  51: 'AH',
  58: 'ICMPv6',
  89: 'OSPF',
  103: 'PIM',
  112: 'VRRP',
  132: 'SCTP',
};

function protocolReason(proto: number): string {
  return PROTOCOL_NAMES[proto] ?? `IP protocol ${proto}`;
}

/**
 * Byte layout of Ethernet II + IPv4 + TCP frames, with the IPv4 header checksum and the TCP
 * checksum (pseudo-header included) computed over the final bytes.
 */

export const ETH_HEADER = 14;
export const IPV4_HEADER = 20;
export const TCP_HEADER = 20;
export const FRAME_OVERHEAD = ETH_HEADER + IPV4_HEADER + TCP_HEADER;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export interface TcpFrameFields {
  srcMac: Uint8Array;
  dstMac: Uint8Array;
  /** IPv4 addresses as 32-bit unsigned numbers. */
  srcIp: number;
  dstIp: number;
  srcPort: number;
  dstPort: number;
  ipId: number;
  ttl: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  /** TCP options, already padded to a multiple of 4 bytes. */
  options?: Uint8Array;
}

export function parseIpv4(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) throw new Error(`not an IPv4 address: ${text}`);
  let v = 0;
  for (const p of parts) {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 0 || n > 255) throw new Error(`not an IPv4 address: ${text}`);
    v = v * 256 + n;
  }
  return v >>> 0;
}

/** A locally administered MAC derived from an IPv4 address (02:00:a.b.c.d). */
export function macForIpv4(ip: number): Uint8Array {
  return Uint8Array.of(0x02, 0x00, ip >>> 24, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff);
}

/** Adds the 16-bit big-endian words of b[start, end) to `sum` (no folding). */
export function sumWords(b: Uint8Array, start: number, end: number, sum = 0): number {
  let i = start;
  // Four bytes per step: two big-endian words added at once (the hot loop of the workload).
  const last4 = end - 3;
  for (; i < last4; i += 4) sum += ((b[i] + b[i + 2]) << 8) + b[i + 1] + b[i + 3];
  const last = end - 1;
  for (; i < last; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (i < end) sum += b[i] << 8;
  return sum;
}

export function foldChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** MSS option (kind 2, length 4) as sent on SYN and SYN/ACK. */
export function mssOption(mss: number): Uint8Array {
  return Uint8Array.of(2, 4, mss >>> 8, mss & 0xff);
}

/** Total frame length for a TCP payload of `payloadLen` bytes. */
export function tcpFrameLength(payloadLen: number, optionsLen = 0): number {
  return FRAME_OVERHEAD + optionsLen + payloadLen;
}

/**
 * Writes a complete frame (tcpFrameLength(pEnd - pStart, options) bytes) at out[base], with
 * the TCP payload payload[pStart, pEnd) (copied). No allocation.
 */
export function writeTcpFrame(out: Uint8Array, base: number, f: TcpFrameFields, payload: Uint8Array, pStart = 0, pEnd = payload.length): void {
  const optLen = f.options ? f.options.length : 0;
  const payloadLen = pEnd - pStart;
  const tcpLen = TCP_HEADER + optLen + payloadLen;
  const ipLen = IPV4_HEADER + tcpLen;
  // Ethernet II
  out.set(f.dstMac, base);
  out.set(f.srcMac, base + 6);
  out[base + 12] = 0x08;
  out[base + 13] = 0x00;
  // IPv4
  const ip = base + ETH_HEADER;
  out[ip] = 0x45;
  out[ip + 1] = 0;
  out[ip + 2] = ipLen >>> 8;
  out[ip + 3] = ipLen & 0xff;
  out[ip + 4] = (f.ipId >>> 8) & 0xff;
  out[ip + 5] = f.ipId & 0xff;
  out[ip + 6] = 0x40; // DF
  out[ip + 7] = 0;
  out[ip + 8] = f.ttl;
  out[ip + 9] = 6; // TCP
  out[ip + 10] = 0;
  out[ip + 11] = 0;
  writeU32(out, ip + 12, f.srcIp);
  writeU32(out, ip + 16, f.dstIp);
  const ipSum = foldChecksum(sumWords(out, ip, ip + IPV4_HEADER));
  out[ip + 10] = ipSum >>> 8;
  out[ip + 11] = ipSum & 0xff;
  // TCP
  const t = ip + IPV4_HEADER;
  out[t] = f.srcPort >>> 8;
  out[t + 1] = f.srcPort & 0xff;
  out[t + 2] = f.dstPort >>> 8;
  out[t + 3] = f.dstPort & 0xff;
  writeU32(out, t + 4, f.seq >>> 0);
  writeU32(out, t + 8, f.ack >>> 0);
  out[t + 12] = ((TCP_HEADER + optLen) / 4) << 4;
  out[t + 13] = f.flags;
  out[t + 14] = f.window >>> 8;
  out[t + 15] = f.window & 0xff;
  out[t + 16] = 0;
  out[t + 17] = 0;
  out[t + 18] = 0;
  out[t + 19] = 0;
  if (f.options) out.set(f.options, t + TCP_HEADER);
  const p = t + TCP_HEADER + optLen;
  if (payloadLen > 0) out.set(pStart === 0 && pEnd === payload.length ? payload : payload.subarray(pStart, pEnd), p);
  // Pseudo header: src, dst, zero+protocol, TCP length.
  let sum = (f.srcIp >>> 16) + (f.srcIp & 0xffff) + (f.dstIp >>> 16) + (f.dstIp & 0xffff) + 6 + tcpLen;
  sum = sumWords(out, t, t + tcpLen, sum);
  const tcpSum = foldChecksum(sum);
  out[t + 16] = tcpSum >>> 8;
  out[t + 17] = tcpSum & 0xff;
}

function writeU32(b: Uint8Array, off: number, v: number): void {
  b[off] = v >>> 24;
  b[off + 1] = (v >>> 16) & 0xff;
  b[off + 2] = (v >>> 8) & 0xff;
  b[off + 3] = v & 0xff;
}

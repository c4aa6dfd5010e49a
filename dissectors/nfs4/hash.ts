/**
 * Hashes Wireshark shows for NFS objects, so users can carry values between tshark and
 * nfscope: nfs.fh.hash (CRC-32 of the filehandle), nfs.stateid.hash (CRC-16 X.25 of the
 * 16 stateid bytes), nfs.stateid.other_hash (CRC-32 of the 12-byte `other`).
 */

const CRC32_TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

const CRC16_X25_TABLE: Uint16Array = (() => {
  const t = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x8408 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** IEEE CRC-32 (zlib's crc32) of bytes, as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC32_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** CRC-16/X.25 (Wireshark's crc16_ccitt): reflected poly 0x1021, init and xorout 0xffff. */
export function crc16Ccitt(bytes: Uint8Array): number {
  let c = 0xffff;
  for (let i = 0; i < bytes.length; i++) c = CRC16_X25_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffff) & 0xffff;
}

/** Wireshark's nfs.fh.hash: CRC-32 of the raw filehandle bytes. */
export function fhHash(fh: Uint8Array): number {
  return crc32(fh);
}

/** 0x%08x formatting used for hashes in summaries ("FH: 0x56d448b4"). */
export function hex32(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}

/** The decoded shape of stateid4. */
export interface StateidValue {
  seqid: number;
  other: Uint8Array;
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lowercase hex of bytes, no separators. */
export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
  return s;
}

/** The stable identity of a piece of state: hex of stateid.other (24 hex digits). */
export function stateidOtherHex(s: StateidValue): string {
  return bytesToHex(s.other);
}

/** Wireshark's nfs.stateid.other_hash: CRC-32 of the 12 `other` bytes. */
export function stateidOtherHash(s: StateidValue): number {
  return crc32(s.other);
}

/** Wireshark's nfs.stateid.hash: CRC-16 over seqid (big-endian) and other. */
export function stateidHash(s: StateidValue): number {
  // crc16Ccitt of the 4 seqid bytes then `other`, without building them (a typed array per
  // stateid cost more than the CRC: -T json shows the hash of every stateid).
  const seqid = s.seqid;
  let c = 0xffff;
  c = CRC16_X25_TABLE[(c ^ (seqid >>> 24)) & 0xff] ^ (c >>> 8);
  c = CRC16_X25_TABLE[(c ^ (seqid >>> 16)) & 0xff] ^ (c >>> 8);
  c = CRC16_X25_TABLE[(c ^ (seqid >>> 8)) & 0xff] ^ (c >>> 8);
  c = CRC16_X25_TABLE[(c ^ seqid) & 0xff] ^ (c >>> 8);
  const other = s.other;
  for (let i = 0; i < other.length; i++) c = CRC16_X25_TABLE[(c ^ other[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffff) & 0xffff;
}

/** Special stateids of RFC 8881 8.2.3, or undefined for an ordinary one. */
export function specialStateid(s: StateidValue): 'anonymous' | 'read-bypass' | 'current' | 'invalid' | undefined {
  let allZero = true;
  let allOnes = true;
  for (let i = 0; i < s.other.length; i++) {
    if (s.other[i] !== 0) allZero = false;
    if (s.other[i] !== 0xff) allOnes = false;
  }
  const seqid = s.seqid >>> 0;
  if (allZero && seqid === 0) return 'anonymous';
  if (allOnes && seqid === 0xffffffff) return 'read-bypass';
  if (allZero && seqid === 1) return 'current';
  if (allZero && seqid === 0xffffffff) return 'invalid';
  return undefined;
}

/** True when a value has the decoded stateid4 shape. */
export function isStateid(v: unknown): v is StateidValue {
  return typeof v === 'object' && v !== null && typeof (v as StateidValue).seqid === 'number'
    && (v as StateidValue).other instanceof Uint8Array && (v as StateidValue).other.length === 12;
}

/** "seqid:otherhex", a compact display form. */
export function stateidString(s: StateidValue): string {
  return `${s.seqid >>> 0}:${bytesToHex(s.other)}`;
}

import { describe, expect, it } from 'vitest';
import { tsharkAvailable, tsharkFields } from '../../test/helpers/tshark.js';
import {
  bytesToHex, crc16Ccitt, crc32, fhHash, hex32, specialStateid, stateidHash, stateidOtherHash, stateidOtherHex,
} from './hash.js';

const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const CAPTURE = 'captures/linux-6.1-nfsd-v41-deleg-recall.pcap';

describe('CRCs', () => {
  it('crc32 is zlib/IEEE CRC-32 (check value of "123456789")', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
  it('crc16Ccitt is CRC-16/X.25 (check value of "123456789")', () => {
    expect(crc16Ccitt(new TextEncoder().encode('123456789'))).toBe(0x906e);
  });
  it('hex32 pads', () => {
    expect(hex32(0x62d40c52)).toBe('0x62d40c52');
    expect(hex32(0x1)).toBe('0x00000001');
  });
});

describe('stateid helpers', () => {
  it('other hex, special stateids', () => {
    const s = { seqid: 1, other: fromHex('dd010000d1e0000000000001') };
    expect(stateidOtherHex(s)).toBe('dd010000d1e0000000000001');
    expect(specialStateid(s)).toBeUndefined();
    expect(specialStateid({ seqid: 0, other: new Uint8Array(12) })).toBe('anonymous');
    expect(specialStateid({ seqid: 1, other: new Uint8Array(12) })).toBe('current');
    expect(specialStateid({ seqid: 0xffffffff, other: new Uint8Array(12) })).toBe('invalid');
    expect(specialStateid({ seqid: 0xffffffff, other: new Uint8Array(12).fill(0xff) })).toBe('read-bypass');
  });
});

describe.skipIf(!tsharkAvailable)('hashes equal tshark 4.0 on a real capture', () => {
  it('fhHash equals nfs.fh.hash for every filehandle', () => {
    const rows = tsharkFields(CAPTURE, ['nfs.fhandle', 'nfs.fh.hash'], ['-Y', 'nfs.fhandle']);
    let checked = 0;
    const distinct = new Set<string>();
    for (const [fhs, hashes] of rows) {
      expect(fhs.length).toBe(hashes.length);
      for (let i = 0; i < fhs.length; i++) {
        expect(hex32(fhHash(fromHex(fhs[i])))).toBe(hashes[i]);
        distinct.add(fhs[i]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
    expect(distinct.size).toBeGreaterThan(3);
  });
  it('stateidHash / stateidOtherHash equal nfs.stateid.hash / other_hash', () => {
    const rows = tsharkFields(CAPTURE, ['nfs.stateid.seqid', 'nfs.stateid.other', 'nfs.stateid.hash', 'nfs.stateid.other_hash'], ['-Y', 'nfs.stateid']);
    let checked = 0;
    for (const [seqids, others, hashes, otherHashes] of rows) {
      for (let i = 0; i < seqids.length; i++) {
        const s = { seqid: Number(seqids[i]), other: fromHex(others[i]) };
        expect('0x' + stateidHash(s).toString(16).padStart(4, '0')).toBe(hashes[i]);
        expect(hex32(stateidOtherHash(s))).toBe(otherHashes[i]);
        expect(bytesToHex(s.other)).toBe(others[i]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});

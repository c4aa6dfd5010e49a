import { describe, expect, it } from 'vitest';
import { attrMaskNames, attrName, bitmapBitCount, bitmapBits, MAX_BITMAP_BITS, cbOpName, nfsOpName, nfsStatName, notifyTypeName } from './names.js';

describe('operation names', () => {
  it('names forward ops without the OP_ prefix', () => {
    expect(nfsOpName(46)).toBe('GET_DIR_DELEGATION');
    expect(nfsOpName(47)).toBe('GETDEVICEINFO');
    expect(nfsOpName(53)).toBe('SEQUENCE');
    expect(nfsOpName(8)).toBe('DELEGRETURN');
    expect(nfsOpName(75)).toBe('REMOVEXATTR');
    expect(nfsOpName(10044)).toBe('ILLEGAL');
    expect(nfsOpName(2)).toBe('UNKNOWN_2');
    expect(nfsOpName(76)).toBe('UNKNOWN_76');
  });
  it('names callback ops', () => {
    expect(cbOpName(6)).toBe('CB_NOTIFY');
    expect(cbOpName(4)).toBe('CB_RECALL');
    expect(cbOpName(11)).toBe('CB_SEQUENCE');
    expect(cbOpName(15)).toBe('CB_OFFLOAD');
    expect(cbOpName(10044)).toBe('CB_ILLEGAL');
    expect(cbOpName(16)).toBe('UNKNOWN_16');
  });
});

describe('status names follow the RFCs where Wireshark 4.0 is wrong', () => {
  it('19 is unused in NFSv4 (Wireshark: NFS4ERR_DQUOT)', () => {
    expect(nfsStatName(19)).toBe('19');
    expect(nfsStatName(69)).toBe('NFS4ERR_DQUOT');
  });
  it('10030 is NFS4ERR_RESTOREFH (Wireshark: NFS4ERR_READDIR_NOSPC)', () => {
    expect(nfsStatName(10030)).toBe('NFS4ERR_RESTOREFH');
  });
  it('10057 is NFS4ERR_BACK_CHAN_BUSY; DIRDELEG_UNAVAIL is 10084', () => {
    expect(nfsStatName(10057)).toBe('NFS4ERR_BACK_CHAN_BUSY');
    expect(nfsStatName(10084)).toBe('NFS4ERR_DIRDELEG_UNAVAIL');
  });
  it('10073 is unused (Wireshark: CONN_BINDING_NOT_ENFORCED)', () => {
    expect(nfsStatName(10073)).toBe('10073');
  });
  it('common codes', () => {
    expect(nfsStatName(0)).toBe('NFS4_OK');
    expect(nfsStatName(10008)).toBe('NFS4ERR_DELAY');
    expect(nfsStatName(10087)).toBe('NFS4ERR_DELEG_REVOKED');
    expect(nfsStatName(10096)).toBe('NFS4ERR_XATTR2BIG');
  });
});

describe('attribute and notification names', () => {
  it('names attributes by bit', () => {
    expect(attrName(0)).toBe('supported_attrs');
    expect(attrName(1)).toBe('type');
    expect(attrName(4)).toBe('size');
    expect(attrName(19)).toBe('filehandle');
    expect(attrName(20)).toBe('fileid');
    expect(attrName(33)).toBe('mode');
    expect(attrName(53)).toBe('time_modify');
    expect(attrName(55)).toBe('mounted_on_fileid');
    expect(attrName(80)).toBe('sec_label');
    expect(attrName(85)).toBe('time_deleg_modify');
    expect(attrName(86)).toBe('open_arguments');
    expect(attrName(87)).toBe('attr_87');
    expect(attrName(92)).toBe('posix_access_acl');
    expect(attrName(93)).toBe('attr_93');
  });
  it('decodes bitmap4 words into bits and names', () => {
    // The truth file's child attribute bitmap: type, size, fileid | mode, time_modify.
    expect(bitmapBits([1048594, 2097154])).toEqual([1, 4, 20, 33, 53]);
    expect(attrMaskNames([1048594, 2097154])).toEqual(['type', 'size', 'fileid', 'mode', 'time_modify']);
    expect(bitmapBits([0x80000000])).toEqual([31]);
    expect(bitmapBits([0, 0, 1])).toEqual([64]);
    expect(bitmapBits([])).toEqual([]);
    expect(bitmapBits([0xffffffff]).length).toBe(32);
  });
  it('lists at most MAX_BITMAP_BITS bits of a hostile bitmap, and counts them all', () => {
    const huge = new Array<number>(262_144).fill(0xffffffff);
    const bits = bitmapBits(huge);
    expect(bits).toHaveLength(MAX_BITMAP_BITS);
    expect(bits[MAX_BITMAP_BITS - 1]).toBe(MAX_BITMAP_BITS - 1);
    expect(attrMaskNames(huge)).toHaveLength(MAX_BITMAP_BITS);
    expect(bitmapBitCount(huge)).toBe(262_144 * 32);
    expect(bitmapBitCount([1048594, 2097154, 0, 0x80000001])).toBe(7);
    expect(bitmapBitCount([])).toBe(0);
  });
  it('names notify types by bit', () => {
    expect(bitmapBits([29]).map(notifyTypeName)).toEqual([
      'NOTIFY4_CHANGE_CHILD_ATTRS', 'NOTIFY4_REMOVE_ENTRY', 'NOTIFY4_ADD_ENTRY', 'NOTIFY4_RENAME_ENTRY',
    ]);
    expect(notifyTypeName(6)).toBe('NOTIFY4_GFLAG_EXTEND');
    expect(notifyTypeName(40)).toBe('NOTIFY4_40');
  });
});

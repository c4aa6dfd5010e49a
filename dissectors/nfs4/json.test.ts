import { describe, expect, it } from 'vitest';
import { InvalidUtf8 } from '../xdr/runtime.js';
import { displayName, escapeForTerminal, toJsonValue } from './json.js';

describe('escapeForTerminal', () => {
  it('keeps printable text, including non-ASCII', () => {
    expect(escapeForTerminal('report.txt')).toBe('report.txt');
    expect(escapeForTerminal('café ☕')).toBe('café ☕');
  });
  it('escapes C0 controls, DEL, C1 controls as \\xNN and the backslash', () => {
    expect(escapeForTerminal('a\x1b[31mred')).toBe('a\\x1b[31mred');
    expect(escapeForTerminal('\x00\x07\n\t')).toBe('\\x00\\x07\\x0a\\x09');
    expect(escapeForTerminal('x\x7fy')).toBe('x\\x7fy');
    expect(escapeForTerminal('\u009b2J')).toBe('\\x9b2J');
    expect(escapeForTerminal('\u0085')).toBe('\\x85');
    expect(escapeForTerminal('a\\x1b')).toBe('a\\\\x1b');
    expect(escapeForTerminal('\u00a0')).toBe('\u00a0');
  });
  it('escaped output never contains a control character', () => {
    let all = '';
    for (let c = 0; c < 0x200; c++) all += String.fromCharCode(c);
    expect(/[\x00-\x1f\x7f-\x9f]/.test(escapeForTerminal(all))).toBe(false);
  });
  it('displayName quotes and escapes; invalid UTF-8 shows hex', () => {
    expect(displayName('dir')).toBe('"dir"');
    expect(displayName('a"b')).toBe('"a\\"b"');
    expect(displayName('\x1b]0;x\x07')).toBe('"\\x1b]0;x\\x07"');
    expect(displayName(new InvalidUtf8(Uint8Array.of(0xff, 0x41)))).toBe('<invalid utf-8 ff41>');
  });
});

describe('toJsonValue', () => {
  it('converts scalars per the conventions', () => {
    expect(toJsonValue(Uint8Array.of(0xde, 0xad, 0x01))).toBe('dead01');
    expect(toJsonValue(2n ** 64n - 1n)).toBe('18446744073709551615');
    expect(toJsonValue(new InvalidUtf8(Uint8Array.of(0xc3)))).toEqual({ hex: 'c3' });
    expect(toJsonValue('NF4REG')).toBe('NF4REG');
    expect(toJsonValue(true)).toBe(true);
    expect(toJsonValue(null)).toBe(null);
    expect(toJsonValue({ a: 1, b: undefined, c: [1n, Uint8Array.of(1)] })).toEqual({ a: 1, c: ['1', '01'] });
  });
  it('fattr4 becomes {attrmask, attrs}', () => {
    const v = {
      attrmask: [16, 2], attr_vals: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 1, 0xa4),
      attrs: { size: 5, mode: 420 },
    };
    expect(toJsonValue(v)).toEqual({ attrmask: [16, 2], attrs: { size: 5, mode: 420 } });
  });
  it('notify4 becomes {notify_mask, notify_vals: [{type, ...fields}]}', () => {
    const v = {
      notify_mask: [4], notify_vals: new Uint8Array(8),
      values: [{ type: 'NOTIFY4_REMOVE_ENTRY', value: { nrm_old_entry: { ne_file: 'old' }, nrm_old_entry_cookie: 2n ** 60n } }],
    };
    expect(toJsonValue(v)).toEqual({
      notify_mask: [4],
      notify_vals: [{ type: 'NOTIFY4_REMOVE_ENTRY', nrm_old_entry: { ne_file: 'old' }, nrm_old_entry_cookie: '1152921504606846976' }],
    });
  });
  it('undecoded notify values keep their bytes as hex', () => {
    const v = {
      notify_mask: [8], notify_vals: Uint8Array.of(0, 0, 0, 9),
      values: [{ type: 'NOTIFY4_ADD_ENTRY', undecoded: { unknown: 3, reason: 'need 4 bytes', hex: Uint8Array.of(0, 0, 0, 9) } }],
    };
    expect(toJsonValue(v)).toEqual({
      notify_mask: [8],
      notify_vals: [{ type: 'NOTIFY4_ADD_ENTRY', undecoded: { unknown: 3, reason: 'need 4 bytes', hex: '00000009' } }],
    });
  });
});

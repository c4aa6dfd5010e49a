import { describe, expect, it } from 'vitest';
import {
  allMessages, cbNotifyCall, delayReply, gddCall, gddReply, namesCall, openDelegReply, portmapCall,
} from '../../dissectors/fields/testdata/messages.js';
import type { FieldSource } from '../../dissectors/fields/types.js';
import { fieldTexts, formatFieldValue } from '../../dissectors/fields/format.js';
import { FIELDS } from '../../dissectors/fields/registry.js';
import type { FieldDef } from '../../dissectors/fields/types.js';
import { ByteWriter } from './byte-writer.js';
import { formatFieldsHeader, formatFieldsLine, resolveFieldList, writeFieldsLine } from './fields.js';
import { formatJsonLine, formatJsonSummary, jsonMessage } from './json.js';
import { fieldSourceOf, splitEndpoint } from './source.js';
import { formatSummaryLine } from './summary.js';
import { buildTree, formatTreeText, type TreeNode } from './tree.js';
import { formatTreeJson } from './tree-json.js';
import type { RpcMessage } from '../rpc/types.js';
import { messageFormatter } from './format.js';

describe('summary lines', () => {
  it('formats calls, replies, callbacks, errors and non-NFS RPC like tshark', () => {
    expect(allMessages().map((m) => formatSummaryLine(m))).toEqual([
      '    2    0.100000 [fe80::1]:900 → [fe80::2]:111 RPC Portmap V2 Proc 3 Call',
      '   10    1.500000 10.0.0.5:812 → 10.0.0.1:2049 NFS V4 Call SEQUENCE PUTFH GET_DIR_DELEGATION',
      '   12    1.502345 10.0.0.1:2049 → 10.0.0.5:812 NFS V4 Reply (Call In 10) SEQUENCE PUTFH GET_DIR_DELEGATION',
      '   20    2.250000 10.0.0.1:2049 → 10.0.0.5:812 NFS CB V1 CB_COMPOUND Call CB_SEQUENCE CB_NOTIFY(ADD "x", REMOVE "y")',
      '   21    2.250400 10.0.0.5:812 → 10.0.0.1:2049 NFS CB V1 CB_COMPOUND Reply (Call In 20) CB_SEQUENCE CB_NOTIFY',
      '   30    3.000000 10.0.0.5:812 → 10.0.0.1:2049 NFS V4 Call SEQUENCE PUTROOTFH LOOKUP "dir" OPEN "a.txt" CREATE "sub" REMOVE "old\\x1b[31m" RENAME "from"->"to"',
      '   31    3.010000 10.0.0.1:2049 → 10.0.0.5:812 NFS V4 Reply (Call In 30) SEQUENCE PUTROOTFH LOOKUP OPEN Status: NFS4ERR_DELAY',
      '   40    4.000000 10.0.0.1:2049 → 10.0.0.5:812 NFS V4 Reply (Call In 39) OPEN GETFH',
    ]);
  });

  it('shows the reply frame of a call, retransmissions, orphans, absolute time', () => {
    const call = { ...gddCall(), replyFrame: 12 };
    expect(formatSummaryLine(call)).toBe('   10    1.500000 10.0.0.5:812 → 10.0.0.1:2049 NFS V4 Call (Reply In 12) SEQUENCE PUTFH GET_DIR_DELEGATION');
    const dup = gddCall();
    dup.rpc = { ...dup.rpc, duplicate: true };
    expect(formatSummaryLine(dup)).toMatch(/GET_DIR_DELEGATION \[retransmission\]$/);
    const orphan = gddReply();
    orphan.rpc = { ...orphan.rpc, callFrame: undefined, orphan: true };
    expect(formatSummaryLine(orphan)).toMatch(/NFS V4 Reply SEQUENCE .* \[no call seen\]$/);
    expect(formatSummaryLine(portmapCall(), { absoluteTime: true })).toBe('    2 2026-11-27 13:33:47.100000 [fe80::1]:900 → [fe80::2]:111 RPC Portmap V2 Proc 3 Call');
  });

  it('escapes control characters in names from the wire', () => {
    const line = formatSummaryLine(cbNotifyCall('evil\n\x07name', 'tab\there'));
    expect(line).toContain('CB_NOTIFY(ADD "evil\\x0a\\x07name", REMOVE "tab\\x09here")');
    expect(line).not.toMatch(/[\x00-\x1f]/);
  });

  it('shows RPC-level failures and undecoded bodies', () => {
    const denied = delayReply();
    denied.nfs = undefined;
    denied.rpc = { ...denied.rpc, header: { xid: 0x1000, msgType: 'reply', replyStat: 'MSG_DENIED', rejectStat: 'AUTH_ERROR', authStat: 'AUTH_BADCRED', bodyOffset: 0 } };
    expect(formatSummaryLine(denied)).toBe('   31    3.010000 10.0.0.1:2049 → 10.0.0.5:812 NFS V4 Reply (Call In 30) MSG_DENIED AUTH_ERROR AUTH_BADCRED');
    const priv = { ...gddCall(), nfs: undefined, undecoded: 'RPCSEC_GSS privacy' };
    expect(formatSummaryLine(priv)).toBe('   10    1.500000 10.0.0.5:812 → 10.0.0.1:2049 NFS V4 Call [RPCSEC_GSS privacy]');
  });

  it('names NULL procedures and leaves other programs plain', () => {
    const nul = { ...gddCall(), nfs: undefined };
    nul.rpc = { ...nul.rpc, procedure: 0 };
    expect(formatSummaryLine(nul)).toBe('   10    1.500000 10.0.0.5:812 → 10.0.0.1:2049 NFS V4 NULL Call');
    const v3 = { ...gddCall(), nfs: undefined, undecoded: 'not NFSv4' };
    v3.rpc = { ...v3.rpc, version: 3, procedure: 1 };
    expect(formatSummaryLine(v3)).toBe('   10    1.500000 10.0.0.5:812 → 10.0.0.1:2049 NFS V3 Proc 1 Call');
    const cb = { ...cbNotifyCall(), nfs: undefined, undecoded: 'orphan reply' };
    expect(formatSummaryLine(cb)).toBe('   20    2.250000 10.0.0.1:2049 → 10.0.0.5:812 NFS CB V1 CB_COMPOUND Call [orphan reply]');
    expect(formatSummaryLine({ ...portmapCall(), undecoded: 'not NFSv4' })).toBe('    2    0.100000 [fe80::1]:900 → [fe80::2]:111 RPC Portmap V2 Proc 3 Call');
  });

  it('marks malformed compounds', () => {
    const m = gddCall();
    m.nfs = { ...m.nfs!, ops: [m.nfs!.ops[0], { opnum: 99, op: 'UNKNOWN_99', offset: 88, length: 4, malformed: { reason: 'unknown operation 99', offset: 88 } }] };
    expect(formatSummaryLine(m)).toMatch(/SEQUENCE UNKNOWN_99 \[malformed: unknown operation 99 at offset 88\]$/);
  });
});

describe('JSON lines', () => {
  it('one object per message with decoded values as JSON', () => {
    const line = formatJsonLine(gddReply());
    expect(line).not.toContain('\n');
    const o = JSON.parse(line);
    expect(o).toMatchObject({
      frame: 12, relTime: 1.502345, src: '10.0.0.1:2049', dst: '10.0.0.5:812', xid: 0x4e189170, type: 'reply',
      program: 100003, version: 4, procedure: 1, procName: 'COMPOUND', callFrame: 10, responseTime: 0.002345,
      tag: 'gdd', status: 'NFS4_OK',
    });
    expect(o.time).toBeCloseTo(1795786428.502345, 5);
    expect(o.ops.map((x: { op: string }) => x.op)).toEqual(['SEQUENCE', 'PUTFH', 'GET_DIR_DELEGATION']);
    expect(o.ops[2].res.gddr_res_non_fatal4.gddrnf_resok4.gddr_stateid).toEqual({ seqid: 1, other: '000000020000000000000002' });
    expect(o.ops[0].res.sr_resok4.sr_sessionid).toBe('30303030303030323030303030303031');
  });

  it('64-bit values above 2^53 become decimal strings; notify4 becomes notify_vals arrays', () => {
    const open = jsonMessage(openDelegReply());
    expect((open.ops![0].res as { resok4: { cinfo: { before: string } } }).resok4.cinfo.before).toBe('1152921504606846976');
    const cb = JSON.parse(formatJsonLine(cbNotifyCall()));
    const changes = cb.ops[1].args.cna_changes;
    expect(changes[0].notify_vals[0]).toMatchObject({ type: 'NOTIFY4_ADD_ENTRY', nad_new_entry: { ne_file: 'x' }, nad_new_entry_cookie: [7] });
    expect(changes[1].notify_vals[0]).toMatchObject({ type: 'NOTIFY4_REMOVE_ENTRY', nrm_old_entry: { ne_file: 'y' } });
    expect(cb.callbackIdent).toBe(0);
  });

  it('flags duplicates, orphans and the calls reply frame; the summary line', () => {
    const m = { ...namesCall(), replyFrame: 31 };
    m.rpc = { ...m.rpc, duplicate: true };
    const o = jsonMessage(m);
    expect(o.duplicate).toBe(true);
    expect(o.replyFrame).toBe(31);
    expect(o.orphan).toBeUndefined();
    expect(formatJsonSummary({ messages: 8, bytes: 1n << 60n, drops: [['x', 1]] })).toBe('{"summary":{"messages":8,"bytes":"1152921504606846976","drops":[["x",1]]}}');
  });
});

function find(nodes: TreeNode[], label: string): TreeNode | undefined {
  const stack = [...nodes];
  while (stack.length > 0) {
    const n = stack.shift()!;
    if (n.label === label) return n;
    if (n.children) stack.push(...n.children);
  }
  return undefined;
}

describe('-V trees', () => {
  it('lays out RPC header fields with registry labels and ops with spec field names', () => {
    const text = formatTreeText(buildTree(cbNotifyCall()));
    const lines = text.split('\n');
    expect(lines).toContain('Remote Procedure Call: Call, XID 0x621bf8bc');
    expect(lines).toContain('    XID: 0x621bf8bc [0..4]');
    expect(lines).toContain('    Program: NFS_CB (1073741824) [12..16]');
    expect(lines).toContain('Network File System, Callback: V1 CB_COMPOUND Call CB_SEQUENCE CB_NOTIFY(ADD "x", REMOVE "y")');
    expect(lines).toContain('    Operations (count: 2): CB_SEQUENCE CB_NOTIFY');
    expect(lines).toContain('        Opcode: CB_NOTIFY (6)');
    expect(lines).toContain('            cna_stateid: seqid 1, other 000000020000000000000002');
    expect(lines).toContain('                [other hash (CRC-32)]: 0xbb2d8fc5');
    expect(lines).toContain('                    notify_mask: 0x00000008 (NOTIFY4_ADD_ENTRY)');
    expect(lines).toContain('                        NOTIFY4_ADD_ENTRY');
    expect(lines).toContain('                                ne_file: "x"');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('annotates nodes with the filter field they show', () => {
    const tree = buildTree(gddReply());
    expect(find(tree, 'gddr_stateid')?.field).toBe('nfs.deleg.stateid');
    expect(find(tree, 'gddrnf_status')?.field).toBe('nfs.gdd.status');
    expect(find(tree, 'sr_sessionid')?.field).toBe('nfs.session_id4');
    expect(find(tree, 'XID')?.field).toBe('rpc.xid');
    expect(find(tree, 'gddr_notification')?.value).toBe('0x0000000c (NOTIFY4_REMOVE_ENTRY, NOTIFY4_ADD_ENTRY)');
  });

  it('escapes names and shows spans when present', () => {
    const m = namesCall();
    const ops = m.nfs!.ops.map((o) => ({ ...o }));
    ops[5] = {
      ...ops[5], offset: 200, length: 16,
      spans: [
        { name: 'argop', type: 'nfs_opnum4', offset: 200, length: 4 },
        { name: 'args', type: 'REMOVE4args', offset: 204, length: 12, children: [{ name: 'target', type: 'component4', offset: 204, length: 12 }] },
      ],
    };
    m.nfs = { ...m.nfs!, ops };
    const text = formatTreeText(buildTree(m));
    expect(text).toContain('        Opcode: REMOVE (28) [200..216]\n            target: "old\\x1b[31m" [204..216]\n');
    expect(text).not.toMatch(/\x1b/);
  });

  it('flattens long READDIR entry lists instead of nesting them', () => {
    type Entry = { cookie: number; name: string; attrs: unknown; nextentry: Entry | null };
    let head: Entry | null = null;
    for (let i = 2999; i >= 0; i--) head = { cookie: i, name: `f${i}`, attrs: {}, nextentry: head };
    const m: FieldSource = { ...gddReply() };
    m.nfs = {
      program: 'NFS', type: 'reply', procedure: 1, procName: 'COMPOUND', status: 'NFS4_OK',
      ops: [{ opnum: 26, op: 'READDIR', status: 'NFS4_OK', offset: 0, length: 0, res: { status: 'NFS4_OK', resok4: { cookieverf: new Uint8Array(8), reply: { entries: head, eof: true } } } }],
    };
    const text = formatTreeText(buildTree(m));
    expect(text).toContain('                    entries: 3000 entries\n                        entry\n                            cookie: 0\n                            name: "f0"\n');
    expect(text).toContain('                            name: "f2999"\n');
    const maxIndent = Math.max(...text.split('\n').map((l) => l.length - l.trimStart().length));
    expect(maxIndent).toBeLessThan(40);
  });

  it('-T json gives the same tree as one JSON line', () => {
    const line = formatTreeJson(gddCall());
    expect(line).not.toContain('\n');
    const o = JSON.parse(line);
    expect(o.frame).toBe(10);
    expect(o.tree.map((n: TreeNode) => n.label)).toEqual(['Frame 10', 'Remote Procedure Call', 'Network File System']);
    expect(o.tree).toEqual(JSON.parse(JSON.stringify(buildTree(gddCall()))));
  });
});

describe('-T fields', () => {
  it('tab-separated, several values comma-joined, in tshark forms', () => {
    const r = resolveFieldList(['frame.number', 'rpc.xid', 'nfs.opcode', 'nfs.pathname.component', 'nfs.stateid.other_hash']);
    if (!r.ok) throw new Error(r.error);
    expect(formatFieldsHeader(r.fields)).toBe('frame.number\trpc.xid\tnfs.opcode\tnfs.pathname.component\tnfs.stateid.other_hash');
    expect(allMessages().map((m) => formatFieldsLine(m, r.fields))).toEqual([
      '2\t0x00000007\t\t\t',
      '10\t0x4e189170\t53,22,46\t\t',
      '12\t0x4e189170\t53,22,46\t\t0xbb2d8fc5',
      '20\t0x621bf8bc\t\t\t0xbb2d8fc5',
      '21\t0x621bf8bc\t\t\t',
      '30\t0x00001000\t53,24,15,18,6,28,29\tdir,a.txt,sub,old\\x1b[31m,from,to\t',
      '31\t0x00001000\t53,24,15,18\t\t',
      '40\t0x00002000\t18,10\t\t0x0cd2f6f9,0xbb2d8fc5',
    ]);
    expect(formatFieldsLine(gddCall(), r.fields, { separator: ';', occurrence: '/' })).toBe('10;0x4e189170;53/22/46;;');
  });

  it('every field of every message comes out as formatFieldValue has each value', () => {
    const sources = [...allMessages(), { ...gddCall(), replyFrame: 12 }, namesCall(), openDelegReply(), delayReply(), portmapCall(), cbNotifyCall(), gddReply()];
    // The values one by one, as the generic formatting gives them (no integer fast path).
    const generic = (src: FieldSource, defs: readonly FieldDef[]): string => defs.map((d) => fieldTexts(d, src, 'fields').join(',')).join('\t');
    let nonEmpty = 0;
    for (const src of sources) {
      for (const def of FIELDS) {
        const expected = generic(src, [def]);
        if (expected !== '') nonEmpty++;
        expect(formatFieldsLine(src, [def]), `${def.name} of frame ${src.frame}`).toBe(expected);
      }
      expect(formatFieldsLine(src, FIELDS)).toBe(generic(src, FIELDS));
    }
    expect(nonEmpty).toBeGreaterThan(300);
  });

  it('integers at the edges of each form (decimal, hex, enum, negative, 64-bit), written in place', () => {
    const values = [0, 1, 9, 10, 255, 256, 65535, 0x7fffffff, 0x80000000, 0xffffffff, 2 ** 32, 2 ** 53, -1, -(2 ** 31), 1.5, 2n ** 64n - 1n];
    const forms: Array<Partial<FieldDef>> = [
      { type: 'uint' }, { type: 'uint', base: 'hex', hexDigits: 8 }, { type: 'uint', base: 'hex', hexDigits: 4 },
      { type: 'uint64', base: 'hex', hexDigits: 16 }, { type: 'enum', base: 'hex', hexDigits: 8 }, { type: 'int' }, { type: 'framenum' },
    ];
    const w = new ByteWriter(16);
    for (const form of forms) {
      const def: FieldDef = { name: 'test.value', label: 'Value', wireshark: false, type: 'uint', ...form, extract: () => values };
      const expected = values.map((v) => formatFieldValue(def, v, 'fields')).join(',');
      expect(formatFieldsLine(gddCall(), [def]), JSON.stringify(form)).toBe(expected);
      // Into a writer that must grow, after what it holds already.
      w.reset();
      w.ascii('x');
      writeFieldsLine(w, gddCall(), [def, def], { separator: ';', occurrence: '/' });
      expect(w.text()).toBe(`x${expected.replaceAll(',', '/')};${expected.replaceAll(',', '/')}`);
    }
  });

  it('rejects unknown names and protocol names', () => {
    expect(resolveFieldList(['rpc.xid', 'nfs.nope'])).toEqual({ ok: false, error: '"nfs.nope" is not a known field (nfscope fields lists them)', name: 'nfs.nope' });
    const p = resolveFieldList(['nfs']);
    expect(p.ok).toBe(false);
  });
});

describe('FieldSource from an engine message', () => {
  it('splits IPv4 and bracketed IPv6 endpoints', () => {
    expect(splitEndpoint('10.0.0.1:2049')).toEqual({ ip: '10.0.0.1', port: 2049 });
    expect(splitEndpoint('[fe80::1]:900')).toEqual({ ip: 'fe80::1', port: 900 });
    expect(splitEndpoint('fe80::1')).toEqual({ ip: 'fe80::1', port: 0 });
  });

  it('carries frame, times, endpoints and transport', () => {
    const rpc: RpcMessage = {
      record: { conn: { id: 1, a: '[::1]:700', b: '[::1]:2049' }, dir: 'ab', bytes: new Uint8Array(0), frame: 5, sec: 100, nsec: 250_000_000, firstFrame: 4, fragments: 1 },
      src: '[::1]:700', dst: '[::1]:2049', header: gddCall().rpc.header!, xid: 1, type: 'call',
    };
    const s = fieldSourceOf({ rpc }, { sec: 99, nsec: 750_000_000 }, 6);
    expect(s).toMatchObject({ frame: 5, sec: 100, nsec: 250_000_000, relTime: 0.5, srcIp: '::1', srcPort: 700, dstPort: 2049, transport: 'tcp', replyFrame: 6 });
  });
});

describe('messageFormatter', () => {
  it('picks the formatter of each output format', () => {
    const m = gddCall();
    expect(messageFormatter({ format: 'summary' })(m)).toBe(formatSummaryLine(m));
    expect(messageFormatter({ format: 'summary', summary: { absoluteTime: true } })(m)).toContain('2026-11-27 13:33:48.500000');
    expect(messageFormatter({ format: 'json' })(m)).toBe(formatJsonLine(m));
    expect(messageFormatter({ format: 'tree' })(m)).toBe(formatTreeText(buildTree(m)));
    expect(messageFormatter({ format: 'tree-json' })(m)).toBe(formatTreeJson(m));
    const r = resolveFieldList(['rpc.xid', 'nfs.opcode']);
    if (!r.ok) throw new Error(r.error);
    expect(messageFormatter({ format: 'fields', fields: r.fields })(m)).toBe('0x4e189170\t53,22,46');
  });
});

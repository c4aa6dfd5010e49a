/**
 * `-V` and `-T json`: one message as a tree of labelled values. RPC header fields use the
 * field registry's labels; decoded NFSv4 values are labelled with their spec field names,
 * and carry the registry field (`field`) they feed when there is one. Byte ranges of the
 * RPC record ([offset..end]) are shown when the message was decoded with tracing.
 */
import { formatFieldValue } from '../../dissectors/fields/format.js';
import { nameText, specKeyField } from '../../dissectors/fields/nfs-index.js';
import { getField } from '../../dissectors/fields/registry.js';
import type { FieldSource, FieldValue } from '../../dissectors/fields/types.js';
import { bytesToHex, crc32, isStateid, stateidHash } from '../../dissectors/nfs4/hash.js';
import { displayName, escapeForTerminal } from '../../dissectors/nfs4/json.js';
import { attrMaskNames, bitmapBitCount, bitmapBits, notifyTypeName } from '../../dissectors/nfs4/names.js';
import type { NfsCompound, NfsOp, Span } from '../../dissectors/nfs4/types.js';
import { compoundSpans, opSpans } from '../../dissectors/nfs4/compound.js';
import { enumNumber, NFSSTAT4 } from '../../dissectors/fields/enums.js';
import { summaryInfoText } from './summary.js';

export interface TreeNode {
  label: string;
  value?: string;
  /** Display-filter field this node shows, when it is one. */
  field?: string;
  /** Byte range within the RPC record. */
  offset?: number;
  length?: number;
  children?: TreeNode[];
}

export interface TreeOptions {
  /** Opaque values longer than this are cut (default 256 bytes). */
  maxBytes?: number;
  /** Array elements shown per array (default TREE_MAX_ELEMENTS). */
  maxElements?: number;
}

/** Array elements a tree shows by default: traced decodes for trees need spans for no more. */
export const TREE_MAX_ELEMENTS = 10_000;

/** Nesting below this is summarised (hostile or absurd values must not blow the stack). */
export const MAX_DEPTH = 40;

export type Obj = Record<string, unknown>;

export function isPlainObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

export function isInvalidUtf8(v: Obj): boolean {
  return v.bytes instanceof Uint8Array && typeof v.toJSON === 'function';
}

function withSpan(node: TreeNode, span: Span | undefined): TreeNode {
  if (span) {
    node.offset = span.offset;
    node.length = span.length;
  }
  return node;
}

/** The first child of `span` named `name`. */
export function childSpan(span: Span | undefined, name: string): Span | undefined {
  const kids = span?.children;
  if (!kids) return undefined;
  for (const k of kids) if (k.name === name) return k;
  return undefined;
}

/**
 * Array elements' spans in one span: the first child named as the element, else its child by
 * position. The children's names are indexed once, so an array whose element spans are named
 * otherwise (a typedef's name: `fattr4_acl[i]` under `acl`) costs one pass, not one per element.
 */
class ChildSpans {
  private byName: Map<string, Span> | undefined;

  constructor(private readonly span: Span | undefined) {}

  find(name: string, index: number): Span | undefined {
    const kids = this.span?.children;
    if (!kids) return undefined;
    return this.firstNamed(kids, name) ?? kids[index];
  }

  /** The first child named `name`. */
  private firstNamed(kids: Span[], name: string): Span | undefined {
    if (this.byName === undefined) {
      this.byName = new Map();
      for (const c of kids) if (!this.byName.has(c.name)) this.byName.set(c.name, c);
    }
    return this.byName.get(name);
  }
}

/** A registry field's values in one message as a node, or undefined when it has none. */
function fieldNode(src: FieldSource, name: string, offset?: number, length?: number, label?: string): TreeNode | undefined {
  const def = getField(name);
  if (!def) return undefined;
  const vals = def.extract(src);
  if (vals.length === 0) return undefined;
  const node: TreeNode = { label: label ?? def.label, value: vals.map((v) => formatFieldValue(def, v, 'display')).join(', '), field: name };
  if (offset !== undefined) {
    node.offset = offset;
    node.length = length;
  }
  return node;
}

function valueNode(label: string, name: string, v: FieldValue, offset?: number, length?: number): TreeNode {
  const def = getField(name);
  const node: TreeNode = { label, value: def ? formatFieldValue(def, v, 'display') : String(v) };
  if (def) node.field = name;
  if (offset !== undefined) {
    node.offset = offset;
    node.length = length;
  }
  return node;
}

function push(list: TreeNode[], n: TreeNode | undefined): void {
  if (n) list.push(n);
}

// ------------------------------------------------------------------ RPC

function rpcNode(src: FieldSource): TreeNode {
  const r = src.rpc;
  const h = r.header;
  const kids: TreeNode[] = [];
  push(kids, fieldNode(src, 'rpc.xid', 0, 4));
  push(kids, fieldNode(src, 'rpc.msgtyp', 4, 4));
  if (r.type === 'call') {
    push(kids, fieldNode(src, 'rpc.version', 8, 4));
    push(kids, fieldNode(src, 'rpc.program', 12, 4));
    push(kids, fieldNode(src, 'rpc.programversion', 16, 4));
    push(kids, fieldNode(src, 'rpc.procedure', 20, 4));
    push(kids, fieldNode(src, 'rpc.reqframe', undefined, undefined, '[Reply In]'));
    if (h && h.msgType === 'call') {
      const cred: TreeNode = { label: 'Credentials', offset: h.cred.offset, children: [] };
      cred.children!.push(valueNode('Flavor', 'rpc.auth.flavor', h.cred.flavor, h.cred.offset, 4));
      const sys = h.cred.sys;
      if (sys) {
        cred.children!.push(valueNode('Stamp', 'rpc.auth.stamp', sys.stamp));
        cred.children!.push(valueNode('Machine Name', 'rpc.auth.machinename', sys.machinename));
        cred.children!.push(valueNode('UID', 'rpc.auth.uid', sys.uid));
        cred.children!.push(valueNode('GID', 'rpc.auth.gid', sys.gid));
        if (sys.gids.length > 0) cred.children!.push({ label: `Auxiliary GIDs (${sys.gids.length})`, value: sys.gids.join(', '), field: 'rpc.auth.gid' });
      }
      const gss = h.cred.gss;
      if (gss) {
        cred.children!.push(valueNode('GSS Version', 'rpc.authgss.version', gss.version));
        cred.children!.push(valueNode('GSS Procedure', 'rpc.authgss.procedure', gss.proc));
        cred.children!.push(valueNode('GSS Sequence Number', 'rpc.authgss.seqnum', gss.seqNum));
        cred.children!.push(valueNode('GSS Service', 'rpc.authgss.service', gss.service));
        cred.children!.push({ label: 'GSS Context', value: bytesToHex(gss.handle) });
      }
      if (h.cred.problem) cred.children!.push({ label: 'Problem', value: escapeForTerminal(h.cred.problem) });
      kids.push(cred);
      kids.push({ label: 'Verifier', offset: h.verf.offset, children: [valueNode('Flavor', 'rpc.auth.flavor', h.verf.flavor, h.verf.offset, 4)] });
    }
  } else {
    push(kids, fieldNode(src, 'rpc.program', undefined, undefined, '[Program]'));
    push(kids, fieldNode(src, 'rpc.programversion', undefined, undefined, '[Program Version]'));
    push(kids, fieldNode(src, 'rpc.procedure', undefined, undefined, '[Procedure]'));
    push(kids, fieldNode(src, 'rpc.repframe', undefined, undefined, '[Call In]'));
    push(kids, fieldNode(src, 'rpc.time', undefined, undefined, '[Time from request]'));
    push(kids, fieldNode(src, 'rpc.replystat', 8, 4));
    if (h && h.msgType === 'reply' && h.verf) {
      kids.push({ label: 'Verifier', offset: h.verf.offset, children: [valueNode('Flavor', 'rpc.auth.flavor', h.verf.flavor, h.verf.offset, 4)] });
    }
    push(kids, fieldNode(src, 'rpc.state_accept'));
    push(kids, fieldNode(src, 'rpc.state_reject'));
    push(kids, fieldNode(src, 'rpc.state_auth'));
    if (h && h.msgType === 'reply' && h.mismatch) kids.push({ label: 'Mismatch', value: `low ${h.mismatch.low}, high ${h.mismatch.high}` });
  }
  if (r.duplicate) kids.push({ label: r.type === 'call' ? '[Retransmitted call]' : '[Duplicate reply]', field: 'rpc.dup' });
  if (r.orphan) kids.push({ label: '[No call seen for this reply]', field: 'rpc.orphan' });
  return { label: 'Remote Procedure Call', value: `${r.type === 'call' ? 'Call' : 'Reply'}, XID 0x${(r.xid >>> 0).toString(16).padStart(8, '0')}`, children: kids };
}

// ------------------------------------------------------------------ decoded XDR values

const ATTR_BITMAP_KEYS = /(^attrmask$|attributes$|^attr_request$|^attrset$|^supported_attrs$|^suppattr_exclcreat$|^attrsset$|^craa_type_mask$)/;
/** Words of a bitmap shown in hex (real ones have one to three). */
const BITMAP_WORDS_SHOWN = 8;
const NOTIFY_BITMAP_KEYS = new Set(['notify_mask', 'gdda_notification_types', 'gddr_notification']);

/** A bitmap4 under `key` as "0x... (NAME, ...)", or undefined when `key` holds no known bitmap. */
export function bitmapText(opName: string, key: string, words: unknown[]): string | undefined {
  for (let i = 0; i < words.length; i++) if (typeof words[i] !== 'number') return undefined;
  const nums = words as number[];
  let names: string[] | undefined;
  if (key === 'notify_mask' && opName === 'CB_NOTIFY_DEVICEID') names = bitmapBits(nums).map((b) => `bit ${b}`);
  else if (NOTIFY_BITMAP_KEYS.has(key)) names = bitmapBits(nums).map(notifyTypeName);
  else if (ATTR_BITMAP_KEYS.test(key)) names = attrMaskNames(nums);
  if (names === undefined) return undefined;
  // Words and names shown are bounded, as bytes are: a hostile bitmap can have 262,144 words.
  let hex = nums.slice(0, BITMAP_WORDS_SHOWN).map((w) => '0x' + (w >>> 0).toString(16).padStart(8, '0')).join(' ');
  if (nums.length > BITMAP_WORDS_SHOWN) hex += `… (${nums.length} words)`;
  const more = bitmapBitCount(nums) - names.length;
  if (more > 0) names.push(`… ${more} more`);
  return names.length > 0 ? `${hex || '(empty)'} (${names.join(', ')})` : `${hex || '(empty)'}`;
}

class ValueTree {
  constructor(private readonly op: NfsOp, private readonly opts: Required<TreeOptions>) {}

  private bytesText(b: Uint8Array): string {
    if (b.length <= this.opts.maxBytes) return bytesToHex(b);
    return `${bytesToHex(b.subarray(0, this.opts.maxBytes))}… (${b.length} bytes)`;
  }

  /** Node for `key: value`. */
  node(key: string, value: unknown, span: Span | undefined, depth: number): TreeNode {
    const field = specKeyField(key, this.op.op);
    const node = withSpan({ label: key }, span);
    if (field) node.field = field;
    if (value === null || value === undefined) {
      node.value = '(absent)';
      return node;
    }
    switch (typeof value) {
      case 'string':
        // Enum names are identifiers; everything else is text from the wire.
        node.value = field && getField(field)?.type === 'string' ? displayName(value) : /^[A-Z0-9_]+$/.test(value) ? value : displayName(value);
        return node;
      case 'boolean':
        node.value = value ? 'true' : 'false';
        return node;
      case 'number':
      case 'bigint': {
        const def = field ? getField(field) : undefined;
        node.value = def && def.type !== 'enum' ? formatFieldValue(def, value, 'display') : value.toString();
        return node;
      }
      case 'object':
        break;
      default:
        node.value = String(value);
        return node;
    }
    if (value instanceof Uint8Array) {
      node.value = this.bytesText(value);
      if (field === 'nfs.fhandle') node.children = [{ label: '[hash (CRC-32)]', value: '0x' + crc32(value).toString(16).padStart(8, '0'), field: 'nfs.fh.hash' }];
      return node;
    }
    if (depth >= MAX_DEPTH) {
      node.value = '… (nested too deep to show)';
      return node;
    }
    if (Array.isArray(value)) return this.arrayNode(node, key, value, span, depth);
    const o = value as Obj;
    if (isInvalidUtf8(o)) {
      node.value = displayName(o);
      return node;
    }
    if (isStateid(o)) {
      node.field = field?.startsWith('nfs.') && field.includes('stateid') ? field : 'nfs.stateid';
      node.value = `seqid ${o.seqid >>> 0}, other ${bytesToHex(o.other)}`;
      node.children = [
        withSpan({ label: 'seqid', value: String(o.seqid >>> 0), field: 'nfs.stateid.seqid' }, childSpan(span, 'seqid')),
        withSpan({ label: 'other', value: bytesToHex(o.other), field: 'nfs.stateid.other' }, childSpan(span, 'other')),
        { label: '[other hash (CRC-32)]', value: '0x' + crc32(o.other).toString(16).padStart(8, '0'), field: 'nfs.stateid.other_hash' },
        { label: '[hash (CRC-16)]', value: '0x' + stateidHash(o).toString(16).padStart(4, '0'), field: 'nfs.stateid.hash' },
      ];
      return node;
    }
    if (node.field === 'nfs.deleg.stateid') delete node.field; // a container of one, not a stateid
    if ('nextentry' in o) return this.entryList(node, o, depth);
    node.children = this.objectChildren(o, span, depth);
    return node;
  }

  /** READDIR's entry4 linked list, shown as a flat list (never nested deeper per entry). */
  private entryList(node: TreeNode, head: Obj, depth: number): TreeNode {
    const kids: TreeNode[] = [];
    let next: unknown = head;
    while (isPlainObject(next) && kids.length < this.opts.maxElements) {
      const entry = next;
      const shown: Obj = {};
      for (const ek of Object.keys(entry)) if (ek !== 'nextentry') shown[ek] = entry[ek];
      kids.push({ label: 'entry', children: this.objectChildren(shown, undefined, depth + 1) });
      next = entry.nextentry;
    }
    if (isPlainObject(next)) kids.push({ label: '… more entries' });
    node.value = `${kids.length} entries`;
    node.children = kids;
    return node;
  }

  private arrayNode(node: TreeNode, key: string, arr: unknown[], span: Span | undefined, depth: number): TreeNode {
    const bm = bitmapText(this.op.op, key, arr);
    if (bm !== undefined) {
      node.value = bm;
      return node;
    }
    node.value = `[${arr.length}]`;
    const n = Math.min(arr.length, this.opts.maxElements);
    const kids: TreeNode[] = [];
    const elementSpans = new ChildSpans(span);
    for (let i = 0; i < n; i++) {
      const el = arr[i];
      const label = `${key}[${i}]`;
      const elSpan = elementSpans.find(label, i);
      // notify4 values: {type, value} shown as the type with the value's fields.
      if (key === 'values' && isPlainObject(el) && typeof el.type === 'string') {
        const t = withSpan({ label: el.type }, elSpan);
        if (isPlainObject(el.value)) t.children = this.objectChildren(el.value, elSpan, depth + 1);
        else if (el.value !== undefined) t.value = this.node('value', el.value, undefined, depth + 1).value;
        if (el.undecoded !== undefined) (t.children ??= []).push(this.node('undecoded', el.undecoded, undefined, depth + 1));
        kids.push(t);
        continue;
      }
      kids.push(this.node(label, el, elSpan, depth + 1));
    }
    if (arr.length > n) kids.push({ label: `… ${arr.length - n} more elements` });
    node.children = kids;
    return node;
  }

  objectChildren(o: Obj, span: Span | undefined, depth: number): TreeNode[] {
    const kids: TreeNode[] = [];
    const hasAttrs = o.attrs !== undefined && o.attr_vals instanceof Uint8Array;
    const hasValues = Array.isArray(o.values) && o.notify_vals instanceof Uint8Array;
    for (const k of Object.keys(o)) {
      const v = o[k];
      if (v === undefined) continue;
      if ((k === 'attr_vals' && hasAttrs) || (k === 'notify_vals' && hasValues)) continue;
      kids.push(this.node(k, v, childSpan(span, k), depth + 1));
    }
    return kids;
  }
}

function opNode(c: NfsCompound, op: NfsOp, opts: Required<TreeOptions>): TreeNode {
  const opField = c.program === 'NFS' ? 'nfs.opcode' : 'nfs.cb.operation';
  const node: TreeNode = { label: 'Opcode', value: `${op.op} (${op.opnum})`, field: opField, children: [] };
  // Hand-built compounds carry no byte positions (length 0).
  if (op.length > 0) {
    node.offset = op.offset;
    node.length = op.length;
  }
  const kids = node.children!;
  if (op.status !== undefined) {
    const n = enumNumber(NFSSTAT4, op.status);
    kids.push({ label: 'Status', value: n !== undefined && String(n) !== op.status ? `${op.status} (${n})` : op.status, field: 'nfs.nfsstat4' });
  }
  const body = op.args !== undefined ? op.args : op.res;
  const bodySpan = opSpans(op)?.find((s) => s.name === 'args' || s.name === 'res');
  const vt = new ValueTree(op, opts);
  if (isPlainObject(body)) kids.push(...vt.objectChildren(body, bodySpan, 0));
  else if (body !== undefined) kids.push(vt.node(op.args !== undefined ? 'args' : 'res', body, bodySpan, 0));
  if (op.malformed) kids.push({ label: 'Malformed', value: `${escapeForTerminal(op.malformed.reason)} at offset ${op.malformed.offset}`, field: 'nfs.malformed', offset: op.malformed.offset });
  if (kids.length === 0) delete node.children;
  return node;
}

function nfsNode(src: FieldSource, c: NfsCompound, opts: Required<TreeOptions>): TreeNode {
  const kids: TreeNode[] = [];
  const spans = compoundSpans(c);
  const span = (name: string) => spans?.find((s) => s.name === name);
  if (c.status !== undefined) {
    const n = enumNumber(NFSSTAT4, c.status);
    kids.push(withSpan({ label: 'Status', value: n !== undefined && String(n) !== c.status ? `${c.status} (${n})` : c.status, field: 'nfs.status' }, span('status')));
  }
  if (c.tag !== undefined) {
    const text = nameText(c.tag);
    kids.push(withSpan({ label: 'Tag', value: text === undefined ? '?' : displayName(c.tag), field: 'nfs.tag' }, span('tag')));
  }
  if (c.minorversion !== undefined) kids.push(withSpan({ label: 'minorversion', value: String(c.minorversion), field: 'nfs.minorversion' }, span('minorversion')));
  if (c.callbackIdent !== undefined) {
    kids.push(withSpan({ label: 'callback_ident', value: '0x' + (c.callbackIdent >>> 0).toString(16).padStart(8, '0'), field: 'nfs.callback.ident' }, span('callback_ident')));
  }
  if (c.procedure === 1 || c.ops.length > 0) {
    const arr = span('argarray') ?? span('resarray');
    kids.push(withSpan({
      label: `Operations (count: ${c.ops.length})`,
      value: c.ops.map((o) => o.op).join(' '),
      children: c.ops.map((op) => opNode(c, op, opts)),
    }, arr));
  }
  if (c.malformed) kids.push({ label: 'Malformed', value: `${escapeForTerminal(c.malformed.reason)} at offset ${c.malformed.offset}`, field: 'nfs.malformed', offset: c.malformed.offset });
  const info = summaryInfoText(src);
  return { label: c.program === 'NFS' ? 'Network File System' : 'Network File System, Callback', value: info, children: kids };
}

// The date part of the last second formatted (consecutive messages mostly share it).
let lastSec = NaN;
let lastBase = '';
// The day of the last second formatted, as "YYYY-MM-DD " (the seconds of one day share it).
let lastDay = NaN;
let lastDayText = '';

const SECONDS_PER_DAY = 86400;
/** 10000-01-01T00:00:00Z: from here on toISOString writes a six-digit year. */
const YEAR_10000 = 253402300800;
/** "00" to "59". */
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/** "2026-11-27 13:56:00": the date part of an arrival time (the seconds when not a date). */
export function arrivalDate(sec: number): string {
  if (sec !== lastSec) {
    lastBase = dateText(sec);
    lastSec = sec;
  }
  return lastBase;
}

/**
 * new Date(sec * 1000).toISOString() up to the seconds, 'T' as a space. A whole second of
 * years 1970 to 9999 is formatted from its day's text (made once per day) and its time of
 * day: a Date per second was a noticeable part of `-T json` (seconds change every few messages).
 */
function dateText(sec: number): string {
  if (Number.isInteger(sec) && sec >= 0 && sec < YEAR_10000) {
    const day = Math.floor(sec / SECONDS_PER_DAY);
    if (day !== lastDay) {
      lastDayText = new Date(day * SECONDS_PER_DAY * 1000).toISOString().slice(0, 11).replace('T', ' ');
      lastDay = day;
    }
    const t = sec - day * SECONDS_PER_DAY;
    const hours = Math.floor(t / 3600);
    const minutes = Math.floor((t - hours * 3600) / 60);
    return lastDayText + TWO_DIGITS[hours] + ':' + TWO_DIGITS[minutes] + ':' + TWO_DIGITS[t - hours * 3600 - minutes * 60];
  }
  const d = new Date(sec * 1000);
  return Number.isNaN(d.getTime()) ? String(sec) : d.toISOString().slice(0, 19).replace('T', ' ');
}

/** "2026-11-27 13:56:00.106214000 UTC (1795787760.106214000)" */
export function arrivalTime(sec: number, nsec: number): string {
  const base = arrivalDate(sec);
  return `${base}.${String(nsec).padStart(9, '0')} UTC (${sec}.${String(nsec).padStart(9, '0')})`;
}

/** The tree of one message: Frame, Remote Procedure Call, then the NFSv4 body. */
export function buildTree(src: FieldSource, opts: TreeOptions = {}): TreeNode[] {
  const o: Required<TreeOptions> = { maxBytes: opts.maxBytes ?? 256, maxElements: opts.maxElements ?? TREE_MAX_ELEMENTS };
  const frameKids: TreeNode[] = [];
  frameKids.push({ label: 'Arrival Time', value: arrivalTime(src.sec, src.nsec), field: 'frame.time_epoch' });
  push(frameKids, fieldNode(src, 'frame.time_relative', undefined, undefined, '[Time since first frame]'));
  push(frameKids, fieldNode(src, 'ip.src') ?? fieldNode(src, 'ipv6.src'));
  push(frameKids, fieldNode(src, 'ip.dst') ?? fieldNode(src, 'ipv6.dst'));
  push(frameKids, fieldNode(src, 'tcp.srcport') ?? fieldNode(src, 'udp.srcport'));
  push(frameKids, fieldNode(src, 'tcp.dstport') ?? fieldNode(src, 'udp.dstport'));
  const nodes: TreeNode[] = [
    { label: `Frame ${src.frame}`, value: `${escapeForTerminal(src.src)} → ${escapeForTerminal(src.dst)}`, field: 'frame.number', children: frameKids },
    rpcNode(src),
  ];
  if (src.nfs) nodes.push(nfsNode(src, src.nfs, o));
  else if (src.undecoded !== undefined) nodes.push({ label: 'Body not decoded', value: escapeForTerminal(src.undecoded) });
  return nodes;
}

function lineOf(n: TreeNode, indent: string): string {
  let s = indent + n.label;
  if (n.value !== undefined) s += `: ${n.value}`;
  if (n.offset !== undefined) s += n.length !== undefined ? ` [${n.offset}..${n.offset + n.length}]` : ` [${n.offset}]`;
  return s;
}

/** Indented text (4 spaces a level), one line per node, a blank line after the message. */
export function formatTreeText(nodes: TreeNode[]): string {
  const lines: string[] = [];
  // Iterative: trees of hostile messages can be deep. Two parallel stacks (no object per node).
  const stack: TreeNode[] = [];
  const depths: number[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    stack.push(nodes[i]);
    depths.push(0);
  }
  while (stack.length > 0) {
    const n = stack.pop()!;
    const depth = depths.pop()!;
    lines.push(lineOf(n, indentOf(depth)));
    const kids = n.children;
    if (kids) {
      for (let i = kids.length - 1; i >= 0; i--) {
        stack.push(kids[i]);
        depths.push(depth + 1);
      }
    }
  }
  return lines.join('\n') + '\n';
}

const INDENTS: string[] = [];

function indentOf(depth: number): string {
  return (INDENTS[depth] ??= '    '.repeat(depth));
}

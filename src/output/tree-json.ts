/**
 * `-T json` written straight from the message into a ByteWriter: the same bytes as the
 * UTF-8 of JSON.stringify({frame, tree: buildTree(src)}), without building the tree of node
 * objects and its strings first (that was most of the time of `read -T json`).
 *
 * This mirrors tree.ts node for node, including each node's key order (the order its
 * properties are set there); tree-json.test.ts compares the two on every capture and on
 * hand-made hostile messages, so a change made to one and not the other fails there.
 * Constant label/field text is escaped once (byte strings, json-text.ts); text from the
 * wire is escaped as it is written.
 */
import { formatFieldValue } from '../../dissectors/fields/format.js';
import { nameText, specKeyField } from '../../dissectors/fields/nfs-index.js';
import { getField } from '../../dissectors/fields/registry.js';
import type { FieldDef, FieldSource, FieldValue } from '../../dissectors/fields/types.js';
import { enumNumber, NFSSTAT4 } from '../../dissectors/fields/enums.js';
import { crc32, isStateid, stateidHash } from '../../dissectors/nfs4/hash.js';
import { displayName, escapeForTerminal } from '../../dissectors/nfs4/json.js';
import type { NfsCompound, NfsOp, Span } from '../../dissectors/nfs4/types.js';
import { SpanTable, TableSpan } from '../../dissectors/xdr/runtime.js';
import type { AuthSysParams, RpcCallHeader, RpcReplyHeader } from '../../dissectors/rpc/types.js';
import { ByteWriter, bytesOf } from './byte-writer.js';
import { jsonQuote, utf8Bytes } from './json-text.js';
import { isPlainNfsMessage, summaryInfoText, writePlainNfsInfo, type InfoTextWriter } from './summary.js';
import { opSummary } from '../../dissectors/nfs4/summary.js';
import {
  arrivalDate, bitmapText, isInvalidUtf8, isPlainObject, MAX_DEPTH, TREE_MAX_ELEMENTS, type Obj, type TreeOptions,
} from './tree.js';

const ARROW = bytesOf(utf8Bytes(' → '));
const ELLIPSIS = utf8Bytes('…');
const NO_BYTES = new Uint8Array(0);
const TOO_DEEP = bytesOf(jsonQuote('… (nested too deep to show)'));

/** Where texts kept for reuse are built (then copied out at their size). */
const scratch = new ByteWriter(1024);

/** Constant pieces written often, pre-encoded (ByteWriter.raw). */
const SECONDS_VALUE = bytesOf(' seconds');
const OFFSET = bytesOf(',"offset":');
const VALUE = bytesOf(',"value":');
const CHILDREN = bytesOf(',"children":[');
const END_CHILDREN = bytesOf(']}');

/** `,"offset":n` (a node with an offset and no length); nothing when undefined. */
function writeOffset(w: ByteWriter, offset: number | undefined): void {
  if (offset !== undefined) {
    w.raw(OFFSET);
    w.num(offset);
  }
}

/** A quoted value of the form "0x" + hex (tshark's hash and identifier style). */
function writeHexValue(w: ByteWriter, n: number, digits: number): void {
  w.ascii('"0x');
  w.hexWord(n, digits);
  w.byte(0x22);
}

// ------------------------------------------------------------------ registry-field nodes

/**
 * What writeFieldValue reads of a FieldDef, read once into one object shape: FieldDefs come
 * in many shapes (their optional properties), so reading them for every value was a slow
 * (megamorphic) property look-up.
 */
interface ValueFormat {
  def: FieldDef;
  relTime: boolean;
  /** abs_time or rel_time: shown by formatFieldValue unless a rel_time number. */
  time: boolean;
  isEnum: boolean;
  hex: boolean;
  hexDigits: number;
  values: ReadonlyMap<number, string> | undefined;
}

function valueFormat(def: FieldDef): ValueFormat {
  return {
    def,
    relTime: def.type === 'rel_time',
    time: def.type === 'abs_time' || def.type === 'rel_time',
    isEnum: def.type === 'enum',
    hex: def.base === 'hex',
    hexDigits: def.hexDigits ?? 8,
    values: def.values,
  };
}

/** A fieldNode() of tree.ts: `{"label":..,"value":..,"field":..[,"offset":..,"length":..]}`. */
interface FieldNodeText {
  def: FieldDef;
  format: ValueFormat;
  /** `{"label":"...","value":"` */
  head: Uint8Array;
  /** `","field":"..."...}` */
  tail: Uint8Array;
}

function fieldNodeText(name: string, offset?: number, length?: number, label?: string): FieldNodeText {
  const def = getField(name);
  if (!def) throw new Error(`tree-json: unknown field ${name}`);
  const at = offset !== undefined ? ',"offset":' + offset + (length !== undefined ? ',"length":' + length : '') : '';
  return {
    def,
    format: valueFormat(def),
    head: bytesOf('{"label":' + jsonQuote(label ?? def.label) + ',"value":"'),
    tail: bytesOf('","field":' + jsonQuote(name) + at + '}'),
  };
}

/** Writes the node (as an array element) when the field has values; says whether it did. */
function fieldNode(w: ByteWriter, src: FieldSource, f: FieldNodeText): boolean {
  const vals = f.def.extract(src);
  if (vals.length === 0) return false;
  w.elem();
  w.raw(f.head);
  writeFieldValue(w, f.format, vals[0]);
  for (let i = 1; i < vals.length; i++) {
    w.ascii(', ');
    writeFieldValue(w, f.format, vals[i]);
  }
  w.raw(f.tail);
  return true;
}

/** valueNode() of tree.ts, for a field with a value in hand. */
function valueNode(w: ByteWriter, f: FieldNodeText, v: FieldValue): void {
  w.elem();
  w.raw(f.head);
  writeFieldValue(w, f.format, v);
  w.raw(f.tail);
}

/**
 * formatFieldValue(def, v, 'display'), escaped, written without building the text for the
 * common cases (unsigned 32-bit integers of integer and enum fields).
 */
function writeFieldValue(w: ByteWriter, f: ValueFormat, v: FieldValue): void {
  if (f.relTime && typeof v === 'number') {
    // `${v.toFixed(9)} seconds`
    w.fixed(v, 9);
    w.raw(SECONDS_VALUE);
    return;
  }
  if (typeof v !== 'number' || v !== v >>> 0 || f.time) {
    w.strBody(formatFieldValue(f.def, v, 'display'));
    return;
  }
  const name = f.values === undefined ? undefined : f.values.get(v);
  if (f.isEnum) {
    if (name === undefined) {
      w.uint32(v);
    } else {
      w.strBody(name);
      w.ascii(' (');
      w.uint32(v);
      w.byte(0x29);
    }
    return;
  }
  const digits = f.hexDigits;
  if (f.hex && digits > 8) {
    w.strBody(formatFieldValue(f.def, v, 'display'));
    return;
  }
  if (name !== undefined) {
    w.strBody(name);
    w.ascii(' (');
  }
  if (f.hex) {
    w.ascii('0x');
    w.hexWord(v, digits);
  } else {
    w.uint32(v);
  }
  if (name !== undefined) w.byte(0x29);
}

const F = {
  timeRelative: fieldNodeText('frame.time_relative', undefined, undefined, '[Time since first frame]'),
  ipSrc: fieldNodeText('ip.src'),
  ipv6Src: fieldNodeText('ipv6.src'),
  ipDst: fieldNodeText('ip.dst'),
  ipv6Dst: fieldNodeText('ipv6.dst'),
  tcpSrcport: fieldNodeText('tcp.srcport'),
  udpSrcport: fieldNodeText('udp.srcport'),
  tcpDstport: fieldNodeText('tcp.dstport'),
  udpDstport: fieldNodeText('udp.dstport'),
  xid: fieldNodeText('rpc.xid', 0, 4),
  msgtyp: fieldNodeText('rpc.msgtyp', 4, 4),
  version: fieldNodeText('rpc.version', 8, 4),
  program: fieldNodeText('rpc.program', 12, 4),
  programversion: fieldNodeText('rpc.programversion', 16, 4),
  procedure: fieldNodeText('rpc.procedure', 20, 4),
  reqframe: fieldNodeText('rpc.reqframe', undefined, undefined, '[Reply In]'),
  replyProgram: fieldNodeText('rpc.program', undefined, undefined, '[Program]'),
  replyProgramversion: fieldNodeText('rpc.programversion', undefined, undefined, '[Program Version]'),
  replyProcedure: fieldNodeText('rpc.procedure', undefined, undefined, '[Procedure]'),
  repframe: fieldNodeText('rpc.repframe', undefined, undefined, '[Call In]'),
  time: fieldNodeText('rpc.time', undefined, undefined, '[Time from request]'),
  replystat: fieldNodeText('rpc.replystat', 8, 4),
  stateAccept: fieldNodeText('rpc.state_accept'),
  stateReject: fieldNodeText('rpc.state_reject'),
  stateAuth: fieldNodeText('rpc.state_auth'),
  stamp: fieldNodeText('rpc.auth.stamp', undefined, undefined, 'Stamp'),
  machinename: fieldNodeText('rpc.auth.machinename', undefined, undefined, 'Machine Name'),
  uid: fieldNodeText('rpc.auth.uid', undefined, undefined, 'UID'),
  gid: fieldNodeText('rpc.auth.gid', undefined, undefined, 'GID'),
  gssVersion: fieldNodeText('rpc.authgss.version', undefined, undefined, 'GSS Version'),
  gssProcedure: fieldNodeText('rpc.authgss.procedure', undefined, undefined, 'GSS Procedure'),
  gssSeqnum: fieldNodeText('rpc.authgss.seqnum', undefined, undefined, 'GSS Sequence Number'),
  gssService: fieldNodeText('rpc.authgss.service', undefined, undefined, 'GSS Service'),
  flavor: fieldNodeText('rpc.auth.flavor', undefined, undefined, 'Flavor'),
};

const FLAVOR_TAIL = bytesOf('","field":"rpc.auth.flavor"');
const LENGTH_4 = bytesOf(',"length":4');

/** The end of node a then the start of node b, for nodes that are always written together. */
function join(a: FieldNodeText, b: FieldNodeText): Uint8Array {
  const out = new Uint8Array(a.tail.length + 1 + b.head.length);
  out.set(a.tail);
  out[a.tail.length] = 0x2c;
  out.set(b.head, a.tail.length + 1);
  return out;
}

const J = {
  timeIpSrc: join(F.timeRelative, F.ipSrc),
  ipSrcIpDst: join(F.ipSrc, F.ipDst),
  ipDstTcpSrc: join(F.ipDst, F.tcpSrcport),
  tcpSrcTcpDst: join(F.tcpSrcport, F.tcpDstport),
  xidMsgtyp: join(F.xid, F.msgtyp),
  msgtypVersion: join(F.msgtyp, F.version),
  versionProgram: join(F.version, F.program),
  programProgramversion: join(F.program, F.programversion),
  programversionProcedure: join(F.programversion, F.procedure),
};

/** The Flavor node of a credential or verifier whose flavor word is at `offset`. */
function flavorNode(w: ByteWriter, flavor: number, offset: number): void {
  w.raw(F.flavor.head);
  writeFieldValue(w, F.flavor.format, flavor);
  w.raw(FLAVOR_TAIL);
  writeOffset(w, offset);
  if (offset !== undefined) w.raw(LENGTH_4);
  w.byte(0x7d);
}

// ------------------------------------------------------------------ frame and RPC

const FRAME_HEAD = bytesOf('{"label":"Frame ');
const FRAME_VALUE = bytesOf('","value":"');
const FRAME_ARRIVAL = bytesOf('","field":"frame.number","children":[{"label":"Arrival Time","value":"');
const ARRIVAL_UTC = bytesOf(' UTC (');
const ARRIVAL_TAIL = bytesOf(')","field":"frame.time_epoch"}');

/** The parts of an arrival time that depend on the second only, for the last second seen. */
let arrivalSec = NaN;
/** `DATE.` */
let arrivalDateText = new Uint8Array(0);
/** ` UTC (SEC.` */
let arrivalSecText = new Uint8Array(0);

/** arrivalTime() of tree.ts: "DATE.NSEC UTC (SEC.NSEC)". */
function writeArrivalTime(w: ByteWriter, sec: number, nsec: number): void {
  if (sec !== arrivalSec) {
    const t = scratch;
    t.reset();
    t.strBody(arrivalDate(sec));
    t.byte(0x2e);
    arrivalDateText = t.bytes().slice();
    t.reset();
    t.raw(ARRIVAL_UTC);
    t.decimal(sec);
    t.byte(0x2e);
    arrivalSecText = t.bytes().slice();
    arrivalSec = sec;
  }
  w.raw(arrivalDateText);
  const at = w.mark();
  writeNsec(w, nsec);
  const digits = w.mark() - at;
  w.raw(arrivalSecText);
  // The same digits again.
  w.repeat(at, digits);
}

/** String(nsec).padStart(9, '0'). */
function writeNsec(w: ByteWriter, nsec: number): void {
  if (nsec >= 0 && nsec < 1e9 && nsec === (nsec >>> 0)) {
    w.zeroPadded(nsec, 9);
  } else {
    w.strBody(String(nsec).padStart(9, '0'));
  }
}

/** The text of a message's frame node that depends only on its endpoints (the message's own
 *  endpoint fields, kept to recognise the next message with the same ones). */
interface EndpointText extends Pick<FieldSource, 'src' | 'dst' | 'srcIp' | 'dstIp' | 'srcPort' | 'dstPort' | 'transport'> {
  /** `SRC → DST` (escaped) up to the Arrival Time value. */
  value: Uint8Array;
  /** After the relative time's value: the address and port nodes (IPv4 over TCP only). */
  nodes: Uint8Array | undefined;
}

/**
 * Endpoint texts by source then destination endpoint (bounded), and the last two: the calls
 * and replies of a connection alternate between two.
 */
const endpointTexts = new Map<string, Map<string, EndpointText>>();
const ENDPOINT_TEXTS_MAX = 8192;
let endpointTextsCount = 0;
let endpointRecent: EndpointText | undefined;
let endpointOlder: EndpointText | undefined;

function sameEndpoints(e: EndpointText | undefined, src: FieldSource): e is EndpointText {
  return e !== undefined && e.src === src.src && e.dst === src.dst && e.srcIp === src.srcIp && e.dstIp === src.dstIp
    && e.srcPort === src.srcPort && e.dstPort === src.dstPort && e.transport === src.transport;
}

function endpointText(src: FieldSource): EndpointText {
  if (sameEndpoints(endpointRecent, src)) return endpointRecent;
  let e = endpointOlder;
  if (!sameEndpoints(e, src)) {
    let byDst = endpointTexts.get(src.src);
    e = byDst?.get(src.dst);
    if (!sameEndpoints(e, src)) {
      e = newEndpointText(src);
      if (endpointTextsCount >= ENDPOINT_TEXTS_MAX) {
        endpointTexts.clear();
        endpointTextsCount = 0;
        byDst = undefined;
      }
      if (byDst === undefined) {
        byDst = new Map();
        endpointTexts.set(src.src, byDst);
      }
      if (!byDst.has(src.dst)) endpointTextsCount++;
      byDst.set(src.dst, e);
    }
  }
  endpointOlder = endpointRecent;
  endpointRecent = e;
  return e;
}

function newEndpointText(src: FieldSource): EndpointText {
  const w = scratch;
  w.reset();
  w.strBody(escapeForTerminal(src.src));
  w.raw(ARROW);
  w.strBody(escapeForTerminal(src.dst));
  w.raw(FRAME_ARRIVAL);
  const valueEnd = w.pos;
  let nodesEnd = -1;
  if (!src.srcIp.includes(':') && !src.dstIp.includes(':') && (src.transport ?? 'tcp') === 'tcp') {
    // IPv4 over TCP (the registry's extractors give exactly these nodes, each with one value).
    w.raw(J.timeIpSrc);
    writeFieldValue(w, F.ipSrc.format, src.srcIp);
    w.raw(J.ipSrcIpDst);
    writeFieldValue(w, F.ipDst.format, src.dstIp);
    w.raw(J.ipDstTcpSrc);
    writeFieldValue(w, F.tcpSrcport.format, src.srcPort);
    w.raw(J.tcpSrcTcpDst);
    writeFieldValue(w, F.tcpDstport.format, src.dstPort);
    w.raw(F.tcpDstport.tail);
    nodesEnd = w.pos;
  }
  // One copy for both texts: a copy this size gets a memory block of its own, whose
  // allocation cost more than writing the texts (every new connection has two).
  const both = w.bytes().slice();
  const value = both.subarray(0, valueEnd);
  const nodes = nodesEnd < 0 ? undefined : both.subarray(valueEnd, nodesEnd);
  return {
    src: src.src, dst: src.dst, srcIp: src.srcIp, dstIp: src.dstIp, srcPort: src.srcPort, dstPort: src.dstPort,
    transport: src.transport, value, nodes,
  };
}

function frameNode(w: ByteWriter, src: FieldSource): void {
  w.raw(FRAME_HEAD);
  w.decimal(src.frame);
  w.raw(FRAME_VALUE);
  const e = endpointText(src);
  w.raw(e.value);
  writeArrivalTime(w, src.sec, src.nsec);
  w.raw(ARRIVAL_TAIL);
  if (e.nodes !== undefined) {
    w.byte(0x2c);
    w.raw(F.timeRelative.head);
    writeFieldValue(w, F.timeRelative.format, src.relTime);
    w.raw(e.nodes);
  } else {
    fieldNode(w, src, F.timeRelative);
    if (!fieldNode(w, src, F.ipSrc)) fieldNode(w, src, F.ipv6Src);
    if (!fieldNode(w, src, F.ipDst)) fieldNode(w, src, F.ipv6Dst);
    if (!fieldNode(w, src, F.tcpSrcport)) fieldNode(w, src, F.udpSrcport);
    if (!fieldNode(w, src, F.tcpDstport)) fieldNode(w, src, F.udpDstport);
  }
  w.raw(END_CHILDREN);
}

const VERIFIER = bytesOf('{"label":"Verifier"');
const CREDENTIALS = bytesOf('{"label":"Credentials"');
const RPC_CALL = bytesOf('{"label":"Remote Procedure Call","value":"Call, XID 0x');
const RPC_REPLY = bytesOf('{"label":"Remote Procedure Call","value":"Reply, XID 0x');
const VALUE_CHILDREN = bytesOf('","children":[');

function verifierNode(w: ByteWriter, flavor: number, offset: number): void {
  w.elem();
  w.raw(VERIFIER);
  writeOffset(w, offset);
  w.raw(CHILDREN);
  flavorNode(w, flavor, offset);
  w.raw(END_CHILDREN);
}

/** Texts kept of the header nodes of calls (and replies) with the last few program numbers. */
const RECENT_HEADERS = 8;

interface CallHeaderText { rpcvers: number; prog: number; vers: number; proc: number; text: Uint8Array }
const recentCalls: CallHeaderText[] = [];

/**
 * From the end of the XID node to the end of the Procedure node of a call: the same for
 * calls of one program and procedure.
 */
function callHeaderText(rpcvers: number, prog: number, vers: number, proc: number): Uint8Array {
  for (let i = 0; i < recentCalls.length; i++) {
    const l = recentCalls[i];
    if (l.rpcvers === rpcvers && l.prog === prog && l.vers === vers && l.proc === proc) return l.text;
  }
  const w = scratch;
  w.reset();
  w.raw(J.xidMsgtyp);
  writeFieldValue(w, F.msgtyp.format, 0);
  w.raw(J.msgtypVersion);
  writeFieldValue(w, F.version.format, rpcvers);
  w.raw(J.versionProgram);
  writeFieldValue(w, F.program.format, prog);
  w.raw(J.programProgramversion);
  writeFieldValue(w, F.programversion.format, vers);
  w.raw(J.programversionProcedure);
  writeFieldValue(w, F.procedure.format, proc);
  w.raw(F.procedure.tail);
  const text = w.bytes().slice();
  if (recentCalls.length >= RECENT_HEADERS) recentCalls.pop();
  recentCalls.unshift({ rpcvers, prog, vers, proc, text });
  return text;
}

interface ReplyHeaderText { prog?: number; vers?: number; proc?: number; text: Uint8Array }
const recentReplies: ReplyHeaderText[] = [];

/** From the end of the XID node of a reply to its [Procedure] node (those present). */
function replyHeaderText(prog: number | undefined, vers: number | undefined, proc: number | undefined): Uint8Array {
  for (let i = 0; i < recentReplies.length; i++) {
    const l = recentReplies[i];
    if (l.prog === prog && l.vers === vers && l.proc === proc) return l.text;
  }
  const w = scratch;
  w.reset();
  w.raw(J.xidMsgtyp);
  writeFieldValue(w, F.msgtyp.format, 1);
  w.raw(F.msgtyp.tail);
  if (prog !== undefined) valueNode(w, F.replyProgram, prog);
  if (vers !== undefined) valueNode(w, F.replyProgramversion, vers);
  if (proc !== undefined) valueNode(w, F.replyProcedure, proc);
  const text = w.bytes().slice();
  if (recentReplies.length >= RECENT_HEADERS) recentReplies.pop();
  recentReplies.unshift({ prog, vers, proc, text });
  return text;
}

/** Reply State, Verifier and Accept/Reject/Auth State nodes of a reply. */
function replyStateNodes(w: ByteWriter, src: FieldSource): void {
  const h = src.rpc.header;
  fieldNode(w, src, F.replystat);
  if (h && h.msgType === 'reply' && h.verf) verifierNode(w, h.verf.flavor, h.verf.offset);
  fieldNode(w, src, F.stateAccept);
  fieldNode(w, src, F.stateReject);
  fieldNode(w, src, F.stateAuth);
}

interface ReplyStateText {
  replyStat: string;
  acceptStat: string | undefined;
  rejectStat: string | undefined;
  authStat: string | undefined;
  verfFlavor: number | undefined;
  verfOffset: number | undefined;
  text: Uint8Array;
}
const recentReplyStates: ReplyStateText[] = [];

/** replyStateNodes() of a reply header: they depend on these fields only (the registry's extractors read them). */
function replyStateText(src: FieldSource, h: RpcReplyHeader): Uint8Array {
  const verfFlavor = h.verf?.flavor;
  const verfOffset = h.verf?.offset;
  for (let i = 0; i < recentReplyStates.length; i++) {
    const l = recentReplyStates[i];
    if (l.replyStat === h.replyStat && l.acceptStat === h.acceptStat && l.rejectStat === h.rejectStat
      && l.authStat === h.authStat && l.verfFlavor === verfFlavor && l.verfOffset === verfOffset) return l.text;
  }
  const text = nodesText((w) => replyStateNodes(w, src));
  if (recentReplyStates.length >= RECENT_HEADERS) recentReplyStates.pop();
  recentReplyStates.unshift({
    replyStat: h.replyStat, acceptStat: h.acceptStat, rejectStat: h.rejectStat, authStat: h.authStat, verfFlavor, verfOffset, text,
  });
  return text;
}

/**
 * The bytes `writeNodes` writes as elements after others (each with its leading comma), as a
 * copy made in the scratch writer: the cached texts of the last few headers.
 */
function nodesText(writeNodes: (w: ByteWriter) => void): Uint8Array {
  const w = scratch;
  w.reset();
  // A byte other than '[' before the first node (elem() then writes its comma), left out.
  w.byte(0x7d);
  writeNodes(w);
  return w.bytes().slice(1);
}

interface AuthSysText {
  credOffset: number;
  credFlavor: number;
  sys: AuthSysParams;
  verfFlavor: number;
  verfOffset: number;
  text: Uint8Array;
}
const recentAuthSys: AuthSysText[] = [];

function sameAuthSys(a: AuthSysParams, b: AuthSysParams): boolean {
  if (a.stamp !== b.stamp || a.machinename !== b.machinename || a.uid !== b.uid || a.gid !== b.gid) return false;
  if (a.gids.length !== b.gids.length) return false;
  for (let i = 0; i < a.gids.length; i++) if (a.gids[i] !== b.gids[i]) return false;
  return true;
}

/**
 * credentialNodes() of an AUTH_SYS call: a client sends the same credentials again and
 * again, so the text of the last few is kept.
 */
function authSysText(h: RpcCallHeader, sys: AuthSysParams): Uint8Array {
  const c = h.cred;
  for (let i = 0; i < recentAuthSys.length; i++) {
    const l = recentAuthSys[i];
    if (l.credOffset === c.offset && l.credFlavor === c.flavor && l.verfFlavor === h.verf.flavor
      && l.verfOffset === h.verf.offset && sameAuthSys(l.sys, sys)) return l.text;
  }
  const text = nodesText((w) => credentialNodes(w, h));
  if (recentAuthSys.length >= RECENT_HEADERS) recentAuthSys.pop();
  const kept: AuthSysParams = { stamp: sys.stamp, machinename: sys.machinename, uid: sys.uid, gid: sys.gid, gids: sys.gids.slice() };
  recentAuthSys.unshift({ credOffset: c.offset, credFlavor: c.flavor, sys: kept, verfFlavor: h.verf.flavor, verfOffset: h.verf.offset, text });
  return text;
}

/** The Credentials and Verifier nodes of a call. */
function credentialNodes(w: ByteWriter, h: RpcCallHeader): void {
  w.elem();
  w.raw(CREDENTIALS);
  writeOffset(w, h.cred.offset);
  w.raw(CHILDREN);
  flavorNode(w, h.cred.flavor, h.cred.offset);
  const sys = h.cred.sys;
  if (sys) {
    valueNode(w, F.stamp, sys.stamp);
    valueNode(w, F.machinename, sys.machinename);
    valueNode(w, F.uid, sys.uid);
    valueNode(w, F.gid, sys.gid);
    if (sys.gids.length > 0) {
      w.ascii(',{"label":"Auxiliary GIDs (');
      w.decimal(sys.gids.length);
      w.ascii(')","value":"');
      w.strBody(sys.gids.join(', '));
      w.ascii('","field":"rpc.auth.gid"}');
    }
  }
  const gss = h.cred.gss;
  if (gss) {
    valueNode(w, F.gssVersion, gss.version);
    valueNode(w, F.gssProcedure, gss.proc);
    valueNode(w, F.gssSeqnum, gss.seqNum);
    valueNode(w, F.gssService, gss.service);
    w.ascii(',{"label":"GSS Context","value":"');
    w.hex(gss.handle);
    w.ascii('"}');
  }
  if (h.cred.problem) {
    w.ascii(',{"label":"Problem","value":');
    w.str(escapeForTerminal(h.cred.problem));
    w.byte(0x7d);
  }
  w.raw(END_CHILDREN);
  verifierNode(w, h.verf.flavor, h.verf.offset);
}

function rpcNode(w: ByteWriter, src: FieldSource): void {
  const r = src.rpc;
  const h = r.header;
  w.raw(r.type === 'call' ? RPC_CALL : RPC_REPLY);
  w.hexWord(r.xid, 8);
  w.raw(VALUE_CHILDREN);
  // XID and message type are always there; so are the next four for a call with its header.
  w.raw(F.xid.head);
  writeFieldValue(w, F.xid.format, r.xid >>> 0);
  if (r.type === 'call') {
    if (h && h.msgType === 'call') {
      w.raw(callHeaderText(h.rpcvers, r.program ?? h.prog, r.version ?? h.vers, r.procedure ?? h.proc));
    } else {
      w.raw(J.xidMsgtyp);
      writeFieldValue(w, F.msgtyp.format, 0);
      w.raw(F.msgtyp.tail);
      fieldNode(w, src, F.version);
      fieldNode(w, src, F.program);
      fieldNode(w, src, F.programversion);
      fieldNode(w, src, F.procedure);
    }
    // rpc.reqframe: a call's reply frame.
    if (src.replyFrame !== undefined) valueNode(w, F.reqframe, src.replyFrame);
    if (h && h.msgType === 'call') {
      const sys = h.cred.sys;
      if (sys !== undefined && h.cred.gss === undefined && !h.cred.problem) w.raw(authSysText(h, sys));
      else credentialNodes(w, h);
    }
  } else {
    if (h === undefined || h.msgType === 'reply') {
      // The program fields of a reply are the matched call's (rpc.program etc. extract these).
      w.raw(replyHeaderText(r.program, r.version, r.procedure));
    } else {
      w.raw(J.xidMsgtyp);
      writeFieldValue(w, F.msgtyp.format, 1);
      w.raw(F.msgtyp.tail);
      fieldNode(w, src, F.replyProgram);
      fieldNode(w, src, F.replyProgramversion);
      fieldNode(w, src, F.replyProcedure);
    }
    // rpc.repframe and rpc.time: a reply's call frame and response time.
    if (r.callFrame !== undefined) valueNode(w, F.repframe, r.callFrame);
    if (r.responseTime !== undefined) valueNode(w, F.time, r.responseTime);
    if (h && h.msgType === 'reply') w.raw(replyStateText(src, h));
    else replyStateNodes(w, src);
    if (h && h.msgType === 'reply' && h.mismatch) {
      w.elem();
      w.ascii('{"label":"Mismatch","value":');
      w.str(`low ${h.mismatch.low}, high ${h.mismatch.high}`);
      w.byte(0x7d);
    }
  }
  if (r.duplicate) {
    w.elem();
    w.ascii(r.type === 'call' ? '{"label":"[Retransmitted call]","field":"rpc.dup"}' : '{"label":"[Duplicate reply]","field":"rpc.dup"}');
  }
  if (r.orphan) {
    w.elem();
    w.ascii('{"label":"[No call seen for this reply]","field":"rpc.orphan"}');
  }
  w.raw(END_CHILDREN);
}

// ------------------------------------------------------------------ decoded XDR values

/** What a spec key shows as, inside operations of one name. */
interface KeyText {
  key: string;
  /** `{"label":"key"` */
  head: Uint8Array;
  /** `{"label":"key","offset":` (a node with a byte range) */
  headOffset: Uint8Array;
  /** head and headOffset after a comma (a node that is not its array's first). */
  commaHead: Uint8Array;
  commaHeadOffset: Uint8Array;
  field: string | undefined;
  /** `,"field":"..."` or nothing. */
  fieldText: Uint8Array;
  /** fieldText then `,"value":` */
  fieldValue: Uint8Array;
  /** fieldValue then the opening quote of the value. */
  fieldValueQuote: Uint8Array;
  stringField: boolean;
  /** How numbers under this key are formatted (a field that is not an enum). */
  numberFormat: ValueFormat | undefined;
  /** `,"field":"...","value":"seqid ` of a stateid under this key. */
  stateidHead: Uint8Array;
  /** Texts of "key[0]", "key[1]", ... once used. */
  elems: KeyText[] | undefined;
  /**
   * Texts of the keys of objects under this key, by position (objects of one type have the
   * same keys in the same order): a look-up without hashing the key.
   */
  kids: KeyText[] | undefined;
  /** Whether arrays under this key are bitmaps (shown by bitmapText); undefined: not known yet. */
  isBitmap: boolean | undefined;
  /** The last enum name shown under this key and its quoted text. */
  lastEnum: string | undefined;
  lastEnumText: Uint8Array | undefined;
  /** The last few bitmaps shown under this key with their quoted texts (masks repeat). */
  bitmaps: Array<{ words: number[]; text: Uint8Array }> | undefined;
  /** The length of the last number leaf with a byte range under this key (-1: none), and
   *  `,"length":N` + fieldValueQuote for it. */
  leafLength: number;
  lengthValueQuote: Uint8Array;
}

/**
 * Quoted enum names by name (what writeEnumName wrote), shared by all keys: the names that
 * alternate under a key (statuses, union arms) are not copied out again at each change.
 * Few in practice; bounded against hostile captures.
 */
const enumTexts = new Map<string, Uint8Array>();
const ENUM_CACHE_MAX = 4096;

/** Bitmaps remembered on a KeyText. */
const BITMAPS_KEPT = 4;

/** Keys of one object type remembered on its KeyText. */
const KIDS_KEPT = 64;

/** Array elements whose KeyText is kept on the array's. */
const ELEMS_KEPT = 64;

/**
 * Keys (impossible as spec keys) of the KeyTexts whose `kids` are an op's arguments', its
 * results' (calls and replies alternate: one parent would miss every time) and a READDIR
 * entry's.
 */
const ARGS_KEY = '(args)';
const RES_KEY = '(res)';
const ENTRY_KEY = '(entry)';

/**
 * The key texts of one op name, and the parents (for their `kids`) of its arguments' and
 * results' keys and of a READDIR entry's: found with one look-up per operation.
 */
interface OpKeyTexts {
  opName: string;
  keys: Map<string, KeyText>;
  argsKey: KeyText;
  resKey: KeyText;
  entryKey: KeyText;
}

/** Key texts by op name; spec keys are few, but hostile captures must not grow this. */
const keyTexts = new Map<string, OpKeyTexts>();
const OP_CACHE_MAX = 256;
const KEY_CACHE_MAX = 4096;

/** The key texts last used for each small op number: most look-ups, without hashing the name. */
const recentKeyTexts: Array<OpKeyTexts | undefined> = new Array(128).fill(undefined);

function keyTextsOfOp(op: NfsOp): OpKeyTexts {
  const slot = op.opnum & 127;
  const r = recentKeyTexts[slot];
  if (r !== undefined && r.opName === op.op) return r;
  const m = keyTextsOf(op.op);
  recentKeyTexts[slot] = m;
  return m;
}

function keyTextsOf(opName: string): OpKeyTexts {
  let m = keyTexts.get(opName);
  if (m === undefined) {
    if (keyTexts.size >= OP_CACHE_MAX) keyTexts.clear();
    m = {
      opName,
      keys: new Map(),
      argsKey: makeKeyText(ARGS_KEY, specKeyField(ARGS_KEY, opName)),
      resKey: makeKeyText(RES_KEY, specKeyField(RES_KEY, opName)),
      entryKey: makeKeyText(ENTRY_KEY, specKeyField(ENTRY_KEY, opName)),
    };
    keyTexts.set(opName, m);
  }
  return m;
}

function makeKeyText(key: string, field: string | undefined): KeyText {
  const def = field ? getField(field) : undefined;
  const stateidField = field?.startsWith('nfs.') && field.includes('stateid') ? field : 'nfs.stateid';
  const fieldText = field ? ',"field":' + jsonQuote(field) : '';
  return {
    key,
    head: bytesOf('{"label":' + jsonQuote(key)),
    headOffset: bytesOf('{"label":' + jsonQuote(key) + ',"offset":'),
    commaHead: bytesOf(',{"label":' + jsonQuote(key)),
    commaHeadOffset: bytesOf(',{"label":' + jsonQuote(key) + ',"offset":'),
    field,
    fieldText: bytesOf(fieldText),
    fieldValue: bytesOf(fieldText + ',"value":'),
    fieldValueQuote: bytesOf(fieldText + ',"value":"'),
    stringField: def?.type === 'string',
    numberFormat: def && def.type !== 'enum' ? valueFormat(def) : undefined,
    stateidHead: bytesOf(',"field":' + jsonQuote(stateidField) + ',"value":"seqid '),
    // Set now, not when first used: every KeyText then has one shape, and the property reads
    // of nodeOf and objectChildren stay monomorphic.
    elems: undefined,
    kids: undefined,
    isBitmap: undefined,
    lastEnum: undefined,
    lastEnumText: undefined,
    bitmaps: undefined,
    leafLength: -1,
    lengthValueQuote: NO_BYTES,
  };
}

/**
 * Remembers `length` as the length of the number leaves under k, with its text (k.leafLength
 * stays -1 for a length that is not an integer in [0, 2^32), written the general way).
 */
function setLeafLength(k: KeyText, length: number): void {
  if (length !== length >>> 0) {
    k.leafLength = -1;
    return;
  }
  k.leafLength = length;
  const t = scratch;
  t.reset();
  t.raw(LENGTH);
  t.uint32(length);
  t.raw(k.fieldValueQuote);
  k.lengthValueQuote = t.bytes().slice();
}

const LENGTH = bytesOf(',"length":');

/**
 * Writes `"s"` when s is an enum name (/^[A-Z0-9_]+$/: written as it is); false (nothing
 * written) otherwise.
 */
function writeEnumName(w: ByteWriter, s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  w.ensure(n + 2);
  const buf = w.buf;
  let p = w.pos;
  buf[p++] = 0x22;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    // A-Z, 0-9, _
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f) buf[p++] = c;
    else return false;
  }
  buf[p++] = 0x22;
  w.pos = p;
  return true;
}

/**
 * w.str(displayName(v)): a name quoted for display, as a JSON string. A name of printable
 * ASCII without quotes or backslashes (nearly all) is written without building the strings:
 * displayName leaves it as it is between quotes, and JSON escapes only those quotes.
 */
function writeDisplayName(w: ByteWriter, v: unknown): void {
  if (typeof v === 'string') {
    const n = v.length;
    w.ensure(n + 6);
    const buf = w.buf;
    let p = w.pos;
    buf[p++] = 0x22;
    buf[p++] = 0x5c;
    buf[p++] = 0x22;
    let i = 0;
    for (; i < n; i++) {
      const c = v.charCodeAt(i);
      if (c < 0x20 || c >= 0x7f || c === 0x22 || c === 0x5c) break;
      buf[p++] = c;
    }
    if (i === n) {
      buf[p++] = 0x5c;
      buf[p++] = 0x22;
      buf[p++] = 0x22;
      w.pos = p;
      return;
    }
  }
  w.str(displayName(v));
}

const FH_HASH = bytesOf(',"children":[{"label":"[hash (CRC-32)]","value":');
const FH_HASH_TAIL = bytesOf(',"field":"nfs.fh.hash"}]');
const STATEID_OTHER = bytesOf(', other ');
const STATEID_SEQID = bytesOf('","children":[{"label":"seqid","value":"');
const STATEID_SEQID_FIELD = bytesOf('","field":"nfs.stateid.seqid"');
const STATEID_OTHER_NODE = bytesOf('},{"label":"other","value":"');
const STATEID_OTHER_FIELD = bytesOf('","field":"nfs.stateid.other"');
const STATEID_OTHER_HASH = bytesOf('},{"label":"[other hash (CRC-32)]","value":');
const STATEID_HASH = bytesOf(',"field":"nfs.stateid.other_hash"},{"label":"[hash (CRC-16)]","value":');
const STATEID_TAIL = bytesOf(',"field":"nfs.stateid.hash"}]}');
const ENTRY = bytesOf('{"label":"entry","children":[');
const ARRAY_VALUE = bytesOf(',"value":"[');
const ARRAY_CHILDREN = bytesOf(']","children":[');

/**
 * Quoted bitmapText of short bitmaps, by op kind, key and words (the same attribute masks
 * come again and again); null: not a bitmap. Bounded.
 */
const bitmapValues = new Map<string, Uint8Array | null>();
const BITMAP_CACHE_MAX = 1024;

function bitmapValue(opName: string, key: string, words: unknown[]): Uint8Array | undefined {
  if (words.length > 4) {
    const text = bitmapText(opName, key, words);
    return text === undefined ? undefined : bytesOf(jsonQuote(text));
  }
  let id = (opName === 'CB_NOTIFY_DEVICEID' ? 'D ' : 'N ') + key;
  for (let i = 0; i < words.length; i++) {
    const x = words[i];
    if (typeof x !== 'number') return undefined;
    id += ' ' + x;
  }
  let v = bitmapValues.get(id);
  if (v === undefined) {
    const text = bitmapText(opName, key, words);
    v = text === undefined ? null : bytesOf(jsonQuote(text));
    if (bitmapValues.size >= BITMAP_CACHE_MAX) bitmapValues.clear();
    bitmapValues.set(id, v);
  }
  return v ?? undefined;
}

/** A span of the op being written: its index in the op's SpanTable; NO_SPAN: none. */
type SpanRef = number;
const NO_SPAN = -1;
const EMPTY_TABLE = new SpanTable([], [], 0);

class ValueJson {
  /** The key texts of the operation being written. */
  private op: OpKeyTexts;
  /** The spans of the operation being written, flat: (offset, length, end) per span, and name, type. */
  private ranges: readonly number[] = EMPTY_TABLE.ranges;
  private labels: readonly string[] = EMPTY_TABLE.labels;

  constructor(private w: ByteWriter, op: NfsOp, private opts: Required<TreeOptions>) {
    this.op = keyTextsOfOp(op);
  }

  private get opName(): string {
    return this.op.opName;
  }

  /** Starts on the next operation (one instance serves them all). */
  reset(w: ByteWriter, op: NfsOp, opts: Required<TreeOptions>): this {
    this.w = w;
    this.opts = opts;
    if (op.op !== this.op.opName) this.op = keyTextsOfOp(op);
    return this;
  }

  /** The op's spans (from here on, SpanRefs are indices in this table). */
  useSpans(t: SpanTable): void {
    this.ranges = t.ranges;
    this.labels = t.labels;
  }

  /** The op body's children (object bodies): its arguments' or its results'. */
  bodyChildren(o: Obj, span: SpanRef, isArgs: boolean): void {
    this.objectChildren(o, span, 0, isArgs ? this.op.argsKey : this.op.resKey);
  }

  /** `,"offset":N,"length":M` of a span (nothing for NO_SPAN). */
  private writeSpanRef(s: SpanRef): void {
    if (s !== NO_SPAN) this.w.span(this.ranges[3 * s], this.ranges[3 * s + 1]);
  }

  /** childSpan() of tree.ts: the first child of s named `name`; NO_SPAN when none. */
  private childSpan(s: SpanRef, name: string): SpanRef {
    if (s === NO_SPAN) return NO_SPAN;
    const r = this.ranges;
    const end = r[3 * s + 2];
    for (let c = s + 1; c < end; c = r[3 * c + 2]) if (this.labels[2 * c] === name) return c;
    return NO_SPAN;
  }

  /** The first child of s of each name, by name (s has children up to `end`). */
  private childNames(s: SpanRef, end: number): Map<string, SpanRef> {
    const names = new Map<string, SpanRef>();
    const r = this.ranges;
    for (let c = s + 1; c < end; c = r[3 * c + 2]) {
      const name = this.labels[2 * c];
      if (!names.has(name)) names.set(name, c);
    }
    return names;
  }

  /**
   * bitmapValue() of an array under k: keys that hold no bitmap are known after the first
   * look, and the last bitmap shown under k is kept on it.
   */
  private bitmapOf(k: KeyText, words: unknown[]): Uint8Array | undefined {
    if (k.isBitmap === undefined) k.isBitmap = bitmapText(this.opName, k.key, []) !== undefined;
    if (!k.isBitmap) return undefined;
    const recent = (k.bitmaps ??= []);
    for (let r = 0; r < recent.length; r++) {
      const last = recent[r].words;
      if (last.length !== words.length) continue;
      let i = 0;
      while (i < last.length && last[i] === words[i]) i++;
      if (i === last.length) return recent[r].text;
    }
    const bm = bitmapValue(this.opName, k.key, words);
    if (bm !== undefined && words.length <= 4) {
      if (recent.length >= BITMAPS_KEPT) recent.pop();
      recent.unshift({ words: (words as number[]).slice(), text: bm });
    }
    return bm;
  }

  /** The KeyText of element i of an array under k ("key[i]"); the first ones are kept on k. */
  private elemKeyText(k: KeyText, i: number): KeyText {
    if (i >= ELEMS_KEPT) return this.keyText(k.key + '[' + i + ']');
    const elems = (k.elems ??= []);
    let e = elems[i];
    if (e === undefined) {
      const label = k.key + '[' + i + ']';
      e = makeKeyText(label, specKeyField(label, this.opName));
      elems[i] = e;
    }
    return e;
  }

  private keyText(key: string): KeyText {
    const keys = this.op.keys;
    let k = keys.get(key);
    if (k === undefined) {
      if (keys.size >= KEY_CACHE_MAX) keys.clear();
      k = makeKeyText(key, specKeyField(key, this.opName));
      keys.set(key, k);
    }
    return k;
  }

  private bytesValue(b: Uint8Array): void {
    const w = this.w;
    w.byte(0x22);
    if (b.length <= this.opts.maxBytes) {
      w.hex(b);
    } else {
      w.hex(b, 0, this.opts.maxBytes);
      w.ascii(ELLIPSIS);
      w.ascii(' (');
      w.decimal(b.length);
      w.ascii(' bytes)');
    }
    w.byte(0x22);
  }

  /**
   * Writes the quoted "value" of a node of tree.ts for a value that is not an object;
   * false (nothing written) for objects, arrays and bytes.
   */
  private scalarValue(k: KeyText, value: unknown): boolean {
    const w = this.w;
    if (value === null || value === undefined) {
      w.ascii('"(absent)"');
      return true;
    }
    switch (typeof value) {
      case 'string':
        // Enum names are identifiers; everything else is text from the wire.
        if (!k.stringField) {
          // The same enum name comes again and again under a key (decoders give the same string).
          if (value === k.lastEnum) {
            w.raw(k.lastEnumText!);
            return true;
          }
          let text = enumTexts.get(value);
          if (text !== undefined) {
            w.raw(text);
          } else if (writeEnumName(w, value)) {
            text = w.buf.slice(w.pos - value.length - 2, w.pos);
            if (enumTexts.size >= ENUM_CACHE_MAX) enumTexts.clear();
            enumTexts.set(value, text);
          }
          if (text !== undefined) {
            k.lastEnum = value;
            k.lastEnumText = text;
            return true;
          }
        }
        writeDisplayName(w, value);
        return true;
      case 'boolean':
        w.ascii(value ? '"true"' : '"false"');
        return true;
      case 'number':
        w.byte(0x22);
        if (k.numberFormat === undefined) w.decimal(value);
        else writeFieldValue(w, k.numberFormat, value);
        w.byte(0x22);
        return true;
      case 'bigint':
        w.byte(0x22);
        if (k.numberFormat === undefined) w.ascii(value.toString());
        else writeFieldValue(w, k.numberFormat, value);
        w.byte(0x22);
        return true;
      case 'object':
        return false;
      default:
        w.str(String(value));
        return true;
    }
  }

  /** tree.ts ValueTree.node: `{"label":key,...}`, as an array element. */
  node(key: string, value: unknown, span: SpanRef, depth: number): void {
    this.nodeOf(this.keyText(key), value, span, depth);
  }

  private nodeOf(k: KeyText, value: unknown, span: SpanRef, depth: number): void {
    const w = this.w;
    // As an array element: after a comma unless first (the byte before is then the '[').
    const first = w.buf[w.pos - 1] === 0x5b;
    const isPlainNumber = typeof value === 'number' && k.numberFormat === undefined;
    if (span === NO_SPAN) {
      w.raw(first ? k.head : k.commaHead);
    } else if (isPlainNumber && value === value >>> 0) {
      // The most common node: `{"label":..,"offset":N,"length":M,"value":"N"}` in one call;
      // M is the same for every number under a key (its XDR type's size), and is written
      // with the text after it.
      const length = this.ranges[3 * span + 1];
      if (length !== k.leafLength) setLeafLength(k, length);
      if (k.leafLength >= 0) w.offsetLeaf(first ? k.headOffset : k.commaHeadOffset, this.ranges[3 * span], k.lengthValueQuote, value);
      else w.numberLeaf(first ? k.headOffset : k.commaHeadOffset, this.ranges[3 * span], length, k.fieldValueQuote, value);
      return;
    } else {
      w.headRange(first ? k.headOffset : k.commaHeadOffset, this.ranges[3 * span], this.ranges[3 * span + 1]);
    }
    if (isPlainNumber) {
      // The most common value: `"value":"N"}`.
      w.raw(k.fieldValueQuote);
      w.decimal(value);
      w.quoteBrace();
      return;
    }
    if (value === null || typeof value !== 'object') {
      w.raw(k.fieldValue);
      this.scalarValue(k, value);
      w.byte(0x7d);
      return;
    }
    if (value instanceof Uint8Array) {
      w.raw(k.fieldValue);
      this.bytesValue(value);
      if (k.field === 'nfs.fhandle') {
        w.raw(FH_HASH);
        writeHexValue(w, crc32(value), 8);
        w.raw(FH_HASH_TAIL);
      }
      w.byte(0x7d);
      return;
    }
    if (depth >= MAX_DEPTH) {
      w.raw(k.fieldValue);
      w.raw(TOO_DEEP);
      w.byte(0x7d);
      return;
    }
    if (Array.isArray(value)) {
      w.raw(k.fieldText);
      this.arrayNode(k, value, span, depth);
      return;
    }
    const obj = value as Obj;
    if (isInvalidUtf8(obj)) {
      w.raw(k.fieldValue);
      w.str(displayName(obj));
      w.byte(0x7d);
      return;
    }
    if (isStateid(obj)) {
      const seqid = obj.seqid >>> 0;
      w.raw(k.stateidHead);
      w.decimal(seqid);
      w.raw(STATEID_OTHER);
      w.hex(obj.other);
      w.raw(STATEID_SEQID);
      w.decimal(seqid);
      w.raw(STATEID_SEQID_FIELD);
      this.writeSpanRef(this.childSpan(span, 'seqid'));
      w.raw(STATEID_OTHER_NODE);
      w.hex(obj.other);
      w.raw(STATEID_OTHER_FIELD);
      this.writeSpanRef(this.childSpan(span, 'other'));
      w.raw(STATEID_OTHER_HASH);
      writeHexValue(w, crc32(obj.other), 8);
      w.raw(STATEID_HASH);
      writeHexValue(w, stateidHash(obj), 4);
      w.raw(STATEID_TAIL);
      return;
    }
    // A container of one delegation stateid is not itself a stateid: no field.
    if (k.field !== 'nfs.deleg.stateid') w.raw(k.fieldText);
    if ('nextentry' in obj) {
      this.entryList(obj, depth);
      return;
    }
    w.raw(CHILDREN);
    this.objectChildren(obj, span, depth, k);
    w.raw(END_CHILDREN);
  }

  /** READDIR's entry4 linked list, shown as a flat list (never nested deeper per entry). */
  private entryList(first: Obj, depth: number): void {
    const w = this.w;
    w.ascii(',"value":"');
    w.decimal(this.entryCount(first));
    w.ascii(' entries","children":[');
    let count = 0;
    let next: unknown = first;
    while (isPlainObject(next) && count < this.opts.maxElements) {
      const entry = next;
      w.elem();
      w.raw(ENTRY);
      this.objectChildren(entry, NO_SPAN, depth + 1, this.op.entryKey, 'nextentry');
      w.raw(END_CHILDREN);
      count++;
      next = entry.nextentry;
    }
    if (isPlainObject(next)) {
      w.elem();
      w.ascii('{"label":"' + ELLIPSIS + ' more entries"}');
    }
    w.ascii(']}');
  }

  /** Entries shown of a list, plus one for the "more entries" marker (as tree.ts counts). */
  private entryCount(first: Obj): number {
    let count = 0;
    let next: unknown = first;
    while (isPlainObject(next) && count < this.opts.maxElements) {
      count++;
      next = next.nextentry;
    }
    return isPlainObject(next) ? count + 1 : count;
  }

  private arrayNode(k: KeyText, arr: unknown[], span: SpanRef, depth: number): void {
    const w = this.w;
    const bm = this.bitmapOf(k, arr);
    if (bm !== undefined) {
      w.raw(VALUE);
      w.raw(bm);
      w.byte(0x7d);
      return;
    }
    w.raw(ARRAY_VALUE);
    w.decimal(arr.length);
    w.raw(ARRAY_CHILDREN);
    const n = Math.min(arr.length, this.opts.maxElements);
    const isValues = k.key === 'values';
    const r = this.ranges;
    const hasChildren = span !== NO_SPAN && r[3 * span + 2] > span + 1;
    const spanEnd = hasChildren ? r[3 * span + 2] : 0;
    // Element spans come in order: a cursor finds them (see objectChildren). Else childSpan's
    // answer, from an index of the children's names made once (element spans named by a
    // typedef, `fattr4_acl[i]` under `acl`, would make a search per element) and a second
    // cursor at child number i.
    let next = span + 1;
    let nth = span + 1;
    let names: Map<string, SpanRef> | undefined;
    for (let i = 0; i < n; i++) {
      const el = arr[i];
      const ek = this.elemKeyText(k, i);
      let elSpan = NO_SPAN;
      if (hasChildren) {
        if (next < spanEnd && this.labels[2 * next] === ek.key) {
          elSpan = next;
          next = r[3 * next + 2];
        } else {
          names ??= this.childNames(span, spanEnd);
          elSpan = names.get(ek.key) ?? (nth < spanEnd ? nth : NO_SPAN);
        }
        if (nth < spanEnd) nth = r[3 * nth + 2];
      }
      // notify4 values: {type, value} shown as the type with the value's fields.
      if (isValues && isPlainObject(el) && typeof el.type === 'string') this.notifyValue(ek, el, elSpan, depth);
      else this.nodeOf(ek, el, elSpan, depth + 1);
    }
    if (arr.length > n) {
      w.elem();
      w.ascii('{"label":"' + ELLIPSIS + ' ');
      w.decimal(arr.length - n);
      w.ascii(' more elements"}');
    }
    w.ascii(']}');
  }

  /** One notify4 entry {type, value[, undecoded]}. */
  private notifyValue(ek: KeyText, el: Obj, elSpan: SpanRef, depth: number): void {
    const w = this.w;
    w.elem();
    w.ascii('{"label":');
    w.str(el.type as string);
    this.writeSpanRef(elSpan);
    let open = false;
    if (isPlainObject(el.value)) {
      w.ascii(',"children":[');
      open = true;
      this.objectChildren(el.value, elSpan, depth + 1, ek);
    } else if (el.value !== undefined) {
      this.valueOnly('value', el.value, depth + 1);
    }
    if (el.undecoded !== undefined) {
      if (!open) w.ascii(',"children":[');
      open = true;
      this.node('undecoded', el.undecoded, NO_SPAN, depth + 1);
    }
    w.ascii(open ? ']}' : '}');
  }

  /** `,"value":...` as a node for `key: value` would have it (nothing when it has none). */
  private valueOnly(key: string, value: unknown, depth: number): void {
    const w = this.w;
    const k = this.keyText(key);
    if (value === null || typeof value !== 'object') {
      w.ascii(',"value":');
      this.scalarValue(k, value);
      return;
    }
    if (value instanceof Uint8Array) {
      w.ascii(',"value":');
      this.bytesValue(value);
      return;
    }
    if (depth >= MAX_DEPTH) {
      w.raw(VALUE);
      w.raw(TOO_DEEP);
      return;
    }
    if (Array.isArray(value)) {
      const bm = this.bitmapOf(k, value);
      w.raw(VALUE);
      if (bm !== undefined) w.raw(bm);
      else {
        w.ascii('"[');
        w.decimal(value.length);
        w.ascii(']"');
      }
      return;
    }
    const obj = value as Obj;
    if (isInvalidUtf8(obj)) {
      w.ascii(',"value":');
      w.str(displayName(obj));
    } else if (isStateid(obj)) {
      w.ascii(',"value":"seqid ');
      w.decimal(obj.seqid >>> 0);
      w.ascii(', other ');
      w.hex(obj.other);
      w.byte(0x22);
    } else if ('nextentry' in obj) {
      w.ascii(',"value":"');
      w.decimal(this.entryCount(obj));
      w.ascii(' entries"');
    }
  }

  /**
   * The children of an object under `parent` as array elements; `skip` is a key left out.
   * Key texts come from parent.kids by position when the key is the same as last time.
   * Child spans are mostly in key order: a cursor finds them without searching. It moves
   * only on a match, so the spans before it matched earlier (other) keys, and the one it
   * finds is the first of that name, as childSpan's search would find.
   */
  private objectChildren(o: Obj, span: SpanRef, depth: number, parent: KeyText, skip?: string): void {
    const kids = (parent.kids ??= []);
    const r = this.ranges;
    const labels = this.labels;
    const hasChildren = span !== NO_SPAN && r[3 * span + 2] > span + 1;
    const spanEnd = hasChildren ? r[3 * span + 2] : 0;
    let at = 0;
    let nextSpan = span + 1;
    // for-in visits an object's own keys in Object.keys order (decoded values have nothing
    // enumerable on their prototypes) without allocating the key array.
    for (const key in o) {
      if (key === skip) continue;
      const v = o[key];
      if (v === undefined) continue;
      // The raw bytes of a fattr4 or notify4 that were decoded (attrs, values) are left out.
      if (key === 'attr_vals' && v instanceof Uint8Array && o.attrs !== undefined) continue;
      if (key === 'notify_vals' && v instanceof Uint8Array && Array.isArray(o.values)) continue;
      let k = kids[at];
      if (k === undefined || k.key !== key) {
        k = this.keyText(key);
        if (at < KIDS_KEPT) kids[at] = k;
      }
      at++;
      let s = NO_SPAN;
      if (hasChildren) {
        if (nextSpan < spanEnd && labels[2 * nextSpan] === key) {
          s = nextSpan;
          nextSpan = r[3 * nextSpan + 2];
        } else {
          s = this.childSpan(span, key);
        }
      }
      this.nodeOf(k, v, s, depth + 1);
    }
  }
}

// ------------------------------------------------------------------ NFS

/** Quoted status texts ("NFS4_OK (0)") by status name (few; bounded). */
const statusTexts = new Map<string, Uint8Array>();
const STATUS_CACHE_MAX = 256;

function statusValue(w: ByteWriter, status: string): void {
  let text = statusTexts.get(status);
  if (text === undefined) {
    const t = scratch;
    t.reset();
    const n = enumNumber(NFSSTAT4, status);
    t.byte(0x22);
    t.strBody(status);
    if (n !== undefined && String(n) !== status) {
      t.ascii(' (');
      t.decimal(n);
      t.byte(0x29);
    }
    t.byte(0x22);
    text = t.bytes().slice();
    if (statusTexts.size >= STATUS_CACHE_MAX) statusTexts.clear();
    statusTexts.set(status, text);
  }
  w.raw(text);
}

const OPCODE = bytesOf('{"label":"Opcode","value":"');
const OPCODE_FIELD_NFS = bytesOf(')","field":"nfs.opcode"');
const OPCODE_FIELD_CB = bytesOf(')","field":"nfs.cb.operation"');
const OP_STATUS = bytesOf('{"label":"Status","value":');
const OP_STATUS_FIELD = bytesOf(',"field":"nfs.nfsstat4"}');
const MALFORMED = bytesOf('{"label":"Malformed","value":"');
const AT_OFFSET = bytesOf(' at offset ');
const MALFORMED_FIELD = bytesOf('","field":"nfs.malformed"');

/** `{"label":"Opcode","value":"NAME (N)","field":...` by op name (few; bounded). */
const opcodeTexts = new Map<string, { opnum: number; nfs: boolean; text: Uint8Array }>();
const OPCODE_CACHE_MAX = 512;

/** The last opcode text of each small op number (with its name and program): most look-ups, without hashing. */
const recentOpcodes: Array<{ name: string; opnum: number; nfs: boolean; text: Uint8Array } | undefined> = new Array(128).fill(undefined);

function opcodeText(name: string, opnum: number, nfs: boolean): Uint8Array {
  const slot = opnum & 127;
  const r = recentOpcodes[slot];
  if (r !== undefined && r.name === name && r.opnum === opnum && r.nfs === nfs) return r.text;
  const text = opcodeTextOf(name, opnum, nfs);
  recentOpcodes[slot] = { name, opnum, nfs, text };
  return text;
}

function opcodeTextOf(name: string, opnum: number, nfs: boolean): Uint8Array {
  const t = opcodeTexts.get(name);
  if (t !== undefined && t.opnum === opnum && t.nfs === nfs) return t.text;
  const w = scratch;
  w.reset();
  w.raw(OPCODE);
  w.strBody(name);
  w.ascii(' (');
  w.decimal(opnum);
  w.raw(nfs ? OPCODE_FIELD_NFS : OPCODE_FIELD_CB);
  const text = w.bytes().slice();
  if (opcodeTexts.size >= OPCODE_CACHE_MAX) opcodeTexts.clear();
  opcodeTexts.set(name, { opnum, nfs, text });
  return text;
}

function malformedNode(w: ByteWriter, m: { reason: string; offset: number }): void {
  w.elem();
  w.raw(MALFORMED);
  w.strBody(escapeForTerminal(m.reason));
  w.raw(AT_OFFSET);
  w.strBody(String(m.offset));
  w.raw(MALFORMED_FIELD);
  writeOffset(w, m.offset);
  w.byte(0x7d);
}

let valueJson: ValueJson | undefined;

/**
 * The table of an op's spans: the one its spans are views of (a traced decode), else one made
 * of them (hand-built spans); they are the spans from spansFirst on that follow each other.
 */
function spanTableOf(spans: Span[]): SpanTable {
  const s0 = spans[0];
  if (s0 instanceof TableSpan) {
    // Views of spans of one table that follow each other, in order.
    const t = s0.table;
    let i = s0.index;
    let k = 0;
    for (; k < spans.length; k++, i = t.end(i)) {
      const s = spans[k];
      if (!(s instanceof TableSpan) || s.table !== t || s.index !== i) break;
    }
    if (k === spans.length) {
      spansFirst = s0.index;
      return t;
    }
  }
  spansFirst = 0;
  return SpanTable.fromSpans(spans);
}

/** Set by spanTableOf: the index of the first of the spans in the table it returned. */
let spansFirst = 0;

/** The op's args or res span: the first of its top-level spans [first, end) with that name, or NO_SPAN. */
function bodySpanOf(t: SpanTable, first: number, end: number): SpanRef {
  const labels = t.labels;
  const ranges = t.ranges;
  for (let i = first; i < end; i = ranges[3 * i + 2]) {
    const name = labels[2 * i];
    if (name === 'args' || name === 'res') return i;
  }
  return NO_SPAN;
}

function opNode(w: ByteWriter, c: NfsCompound, op: NfsOp, opts: Required<TreeOptions>): void {
  w.elem();
  w.raw(opcodeText(op.op, op.opnum, c.program === 'NFS'));
  // "children" is left out when there are none: written, then taken back.
  const childrenAt = w.mark();
  w.raw(CHILDREN);
  const empty = w.mark();
  if (op.status !== undefined) {
    w.raw(OP_STATUS);
    statusValue(w, op.status);
    w.raw(OP_STATUS_FIELD);
  }
  const body = op.args !== undefined ? op.args : op.res;
  const vj = valueJson === undefined ? (valueJson = new ValueJson(w, op, opts)) : valueJson.reset(w, op, opts);
  let bodySpan = NO_SPAN;
  const traced = op.spans === undefined ? op.spanTable : undefined;
  if (traced !== undefined) {
    vj.useSpans(traced);
    bodySpan = bodySpanOf(traced, op.spanStart!, op.spanEnd!);
  } else if (op.spans !== undefined && op.spans.length > 0) {
    // Hand-built spans.
    const table = spanTableOf(op.spans);
    vj.useSpans(table);
    bodySpan = bodySpanOf(table, spansFirst, spansFirst + op.spans.length);
  }
  if (isPlainObject(body)) vj.bodyChildren(body, bodySpan, op.args !== undefined);
  else if (body !== undefined) vj.node(op.args !== undefined ? 'args' : 'res', body, bodySpan, 0);
  if (op.malformed) malformedNode(w, op.malformed);
  if (w.mark() === empty) w.rewind(childrenAt);
  else w.byte(0x5d);
  // Hand-built compounds carry no byte positions (length 0).
  if (op.length > 0) w.span(op.offset, op.length);
  w.byte(0x7d);
}

/** `,"offset":N,"length":M` of the compound's header span of that name (the first); nothing when none. */
function writeCompoundSpan(w: ByteWriter, c: NfsCompound, name: string): void {
  const spans = c.spans;
  if (spans !== undefined) {
    // Hand-built.
    for (let i = 0; i < spans.length; i++) {
      if (spans[i].name === name) {
        w.span(spans[i].offset, spans[i].length);
        return;
      }
    }
    return;
  }
  const t = c.spanTable;
  if (t === undefined) return;
  const i = headerSpanIndex(t, c.spanEnd!, name);
  if (i >= 0) w.span(t.ranges[3 * i], t.ranges[3 * i + 1]);
}

/** The index of the first of the header spans of table t (up to `end`) with that name, or -1. */
function headerSpanIndex(t: SpanTable, end: number, name: string): number {
  const labels = t.labels;
  const ranges = t.ranges;
  for (let i = t.first; i < end; i = ranges[3 * i + 2]) if (labels[2 * i] === name) return i;
  return -1;
}

/** The operations node's span: argarray's, else resarray's. */
function writeOpsSpan(w: ByteWriter, c: NfsCompound): void {
  const spans = c.spans;
  if (spans !== undefined || c.spanTable === undefined) {
    const s = compoundSpan(c, 'argarray') ?? compoundSpan(c, 'resarray');
    if (s !== undefined) w.span(s.offset, s.length);
    return;
  }
  const t = c.spanTable;
  let i = headerSpanIndex(t, c.spanEnd!, 'argarray');
  if (i < 0) i = headerSpanIndex(t, c.spanEnd!, 'resarray');
  if (i >= 0) w.span(t.ranges[3 * i], t.ranges[3 * i + 1]);
}

/** A hand-built header span of that name (the first). */
function compoundSpan(c: NfsCompound, name: string): Span | undefined {
  const spans = c.spans;
  if (!spans) return undefined;
  for (let i = 0; i < spans.length; i++) if (spans[i].name === name) return spans[i];
  return undefined;
}

/**
 * w.str(summaryInfoText(src)): a plain message's info text (the common case) written without
 * building it, anything else (malformed, an RPC error, a flag) as summary.ts words it.
 */
function writeSummaryInfo(w: ByteWriter, src: FieldSource, c: NfsCompound): void {
  if (!isPlainNfsMessage(src, c)) {
    w.str(summaryInfoText(src));
    return;
  }
  w.byte(0x22);
  writePlainNfsInfo(w, src, c, jsonStringText);
  w.byte(0x22);
}

/** Info text pieces inside a JSON string. */
const jsonStringText: InfoTextWriter = (w, text) => w.strBody(text);

const NFS_HEAD = bytesOf('{"label":"Network File System","value":');
const NFS_CB_HEAD = bytesOf('{"label":"Network File System, Callback","value":');
const NFS_STATUS_FIELD = bytesOf(',"field":"nfs.status"');
const TAG = bytesOf('{"label":"Tag","value":');
const TAG_FIELD = bytesOf(',"field":"nfs.tag"');
const MINORVERSION = bytesOf('{"label":"minorversion","value":"');
const MINORVERSION_FIELD = bytesOf('","field":"nfs.minorversion"');
const OPERATIONS = bytesOf('{"label":"Operations (count: ');
const OPERATIONS_VALUE = bytesOf(')","value":"');

function nfsNode(w: ByteWriter, src: FieldSource, c: NfsCompound, opts: Required<TreeOptions>): void {
  w.raw(c.program === 'NFS' ? NFS_HEAD : NFS_CB_HEAD);
  writeSummaryInfo(w, src, c);
  w.raw(CHILDREN);
  if (c.status !== undefined) {
    w.raw(OP_STATUS);
    statusValue(w, c.status);
    w.raw(NFS_STATUS_FIELD);
    writeCompoundSpan(w, c, 'status');
    w.byte(0x7d);
  }
  if (c.tag !== undefined) {
    w.elem();
    w.raw(TAG);
    if (typeof c.tag === 'string') writeDisplayName(w, c.tag);
    else if (nameText(c.tag) === undefined) w.ascii('"?"');
    else w.str(displayName(c.tag));
    w.raw(TAG_FIELD);
    writeCompoundSpan(w, c, 'tag');
    w.byte(0x7d);
  }
  if (c.minorversion !== undefined) {
    w.elem();
    w.raw(MINORVERSION);
    w.decimal(c.minorversion); // String(n): digits, nothing to escape
    w.raw(MINORVERSION_FIELD);
    writeCompoundSpan(w, c, 'minorversion');
    w.byte(0x7d);
  }
  if (c.callbackIdent !== undefined) {
    w.elem();
    w.ascii('{"label":"callback_ident","value":');
    writeHexValue(w, c.callbackIdent, 8);
    w.ascii(',"field":"nfs.callback.ident"');
    writeCompoundSpan(w, c, 'callback_ident');
    w.byte(0x7d);
  }
  if (c.procedure === 1 || c.ops.length > 0) {
    const ops = c.ops;
    w.elem();
    w.raw(OPERATIONS);
    w.decimal(ops.length);
    w.raw(OPERATIONS_VALUE);
    for (let i = 0; i < ops.length; i++) {
      if (i > 0) w.byte(0x20);
      w.strBody(ops[i].op);
    }
    w.raw(VALUE_CHILDREN);
    for (let i = 0; i < ops.length; i++) opNode(w, c, ops[i], opts);
    w.byte(0x5d);
    writeOpsSpan(w, c);
    w.byte(0x7d);
  }
  if (c.malformed) malformedNode(w, c.malformed);
  w.raw(END_CHILDREN);
}

const DEFAULT_OPTIONS: Required<TreeOptions> = { maxBytes: 256, maxElements: TREE_MAX_ELEMENTS };
const TOP = bytesOf('{"frame":');
const TREE = bytesOf(',"tree":[');

/**
 * Appends the `-T json` text of one message to `w`: the same bytes as the UTF-8 of
 * formatTreeJson (JSON.stringify({frame, tree: buildTree(src, opts)})).
 */
export function writeTreeJson(w: ByteWriter, src: FieldSource, opts?: TreeOptions): void {
  const o: Required<TreeOptions> = opts === undefined ? DEFAULT_OPTIONS
    : { maxBytes: opts.maxBytes ?? DEFAULT_OPTIONS.maxBytes, maxElements: opts.maxElements ?? DEFAULT_OPTIONS.maxElements };
  w.raw(TOP);
  w.num(src.frame);
  w.raw(TREE);
  frameNode(w, src);
  w.byte(0x2c);
  rpcNode(w, src);
  if (src.nfs) {
    w.byte(0x2c);
    nfsNode(w, src, src.nfs, o);
  } else if (src.undecoded !== undefined) {
    w.ascii(',{"label":"Body not decoded","value":');
    w.str(escapeForTerminal(src.undecoded));
    w.byte(0x7d);
  }
  w.raw(END_CHILDREN);
}

/** `-T json` text of one message: {"frame": N, "tree": [...]} (buildTree's nodes). */
export function formatTreeJson(src: FieldSource, opts: TreeOptions = {}): string {
  const w = new ByteWriter(4096);
  writeTreeJson(w, src, opts);
  return w.text();
}

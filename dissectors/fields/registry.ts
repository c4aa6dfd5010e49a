/**
 * The one registry of display-filter fields. Names are Wireshark's where tshark 4.0 has the
 * field (so a tshark user's filters work); the rest are new names under the same scheme
 * (nfs.gdd.*, nfs.notify.*, nfs.deleg.stateid.*, nfs.status, rpc.orphan, ...).
 */
import type { OpaqueAuth } from '../rpc/types.js';
import {
  CB_OPCODES, GDDRNF4_STATUS, NFSSTAT4, NFS_OPCODES, NOTIFY_TYPES, OPEN_CLAIM_TYPE4,
  OPEN_DELEGATION_TYPE4, RPC_ACCEPT_STAT, RPC_AUTH_FLAVOR, RPC_AUTH_STAT, RPC_GSS_PROC,
  RPC_GSS_SERVICE, RPC_MSG_TYPE, RPC_REJECT_STAT, RPC_REPLY_STAT, WHY_NO_DELEGATION4,
  enumNumber, type EnumTable,
} from './enums.js';
import { nfsFieldValues, nfsStatValues } from './nfs-index.js';
import type { FieldBase, FieldDef, FieldSource, FieldType, FieldValue } from './types.js';

const NONE: FieldValue[] = [];

interface Opts {
  base?: FieldBase;
  hexDigits?: number;
  values?: EnumTable;
  blurb?: string;
}

function def(name: string, type: FieldType, label: string, wireshark: boolean,
  extract: (src: FieldSource) => FieldValue[], o: Opts = {}): FieldDef {
  return { name, type, label, wireshark, extract, ...o };
}

const hex = (digits: number): Opts => ({ base: 'hex', hexDigits: digits });

/** A field whose values come from the compound's walked index (see nfs-index.ts). */
function nfs(name: string, type: FieldType, label: string, wireshark: boolean, o: Opts = {}): FieldDef {
  return def(name, type, label, wireshark, (src) => (src.nfs ? nfsFieldValues(src.nfs, name) ?? NONE : NONE), o);
}

function one(v: FieldValue | undefined): FieldValue[] {
  return v === undefined ? NONE : [v];
}

function isV6(ip: string): boolean {
  return ip.includes(':');
}

function callCred(src: FieldSource): OpaqueAuth | undefined {
  const h = src.rpc.header;
  return h && h.msgType === 'call' ? h.cred : undefined;
}

function replyHeader(src: FieldSource) {
  const h = src.rpc.header;
  return h && h.msgType === 'reply' ? h : undefined;
}

function statNumber(table: EnumTable, name: string | undefined): FieldValue[] {
  if (name === undefined) return NONE;
  return one(enumNumber(table, name));
}

const PROC_V4: EnumTable = new Map([[0, 'NULL'], [1, 'COMPOUND']]);
const CB_PROC: EnumTable = new Map([[0, 'CB_NULL'], [1, 'CB_COMPOUND']]);
const PROGRAMS: EnumTable = new Map([[100000, 'Portmap'], [100003, 'NFS'], [100005, 'MOUNT'], [100021, 'NLM'], [100024, 'STAT'], [100227, 'NFS_ACL'], [0x40000000, 'NFS_CB']]);

const transport = (src: FieldSource): string => src.transport ?? 'tcp';

export const FIELDS: readonly FieldDef[] = [
  // --- frame / network
  def('frame.number', 'framenum', 'Frame Number', true, (s) => [s.frame]),
  def('frame.time_epoch', 'abs_time', 'Epoch Time', true, (s) => [s.sec + s.nsec / 1e9]),
  def('frame.time_relative', 'rel_time', 'Time since reference or first frame', true, (s) => [s.relTime]),
  def('ip.src', 'ipv4', 'Source Address', true, (s) => (isV6(s.srcIp) ? NONE : [s.srcIp])),
  def('ip.dst', 'ipv4', 'Destination Address', true, (s) => (isV6(s.dstIp) ? NONE : [s.dstIp])),
  def('ip.addr', 'ipv4', 'Source or Destination Address', true, (s) => (isV6(s.srcIp) ? NONE : [s.srcIp, s.dstIp])),
  def('ipv6.src', 'ipv6', 'Source Address', true, (s) => (isV6(s.srcIp) ? [s.srcIp] : NONE)),
  def('ipv6.dst', 'ipv6', 'Destination Address', true, (s) => (isV6(s.dstIp) ? [s.dstIp] : NONE)),
  def('ipv6.addr', 'ipv6', 'Source or Destination Address', true, (s) => (isV6(s.srcIp) ? [s.srcIp, s.dstIp] : NONE)),
  def('tcp.srcport', 'uint', 'Source Port', true, (s) => (transport(s) === 'tcp' ? [s.srcPort] : NONE)),
  def('tcp.dstport', 'uint', 'Destination Port', true, (s) => (transport(s) === 'tcp' ? [s.dstPort] : NONE)),
  def('tcp.port', 'uint', 'Source or Destination Port', true, (s) => (transport(s) === 'tcp' ? [s.srcPort, s.dstPort] : NONE)),
  def('udp.srcport', 'uint', 'Source Port', true, (s) => (transport(s) === 'udp' ? [s.srcPort] : NONE)),
  def('udp.dstport', 'uint', 'Destination Port', true, (s) => (transport(s) === 'udp' ? [s.dstPort] : NONE)),
  def('udp.port', 'uint', 'Source or Destination Port', true, (s) => (transport(s) === 'udp' ? [s.srcPort, s.dstPort] : NONE)),

  // --- ONC RPC
  def('rpc.xid', 'uint', 'XID', true, (s) => [s.rpc.xid >>> 0], hex(8)),
  def('rpc.msgtyp', 'enum', 'Message Type', true, (s) => [s.rpc.type === 'call' ? 0 : 1], { values: RPC_MSG_TYPE }),
  def('rpc.version', 'uint', 'RPC Version', true, (s) => {
    const h = s.rpc.header;
    return h && h.msgType === 'call' ? [h.rpcvers] : NONE;
  }),
  def('rpc.program', 'uint', 'Program', true, (s) => {
    const h = s.rpc.header;
    return one(s.rpc.program ?? (h && h.msgType === 'call' ? h.prog : undefined));
  }, { values: PROGRAMS }),
  def('rpc.programversion', 'uint', 'Program Version', true, (s) => {
    const h = s.rpc.header;
    return one(s.rpc.version ?? (h && h.msgType === 'call' ? h.vers : undefined));
  }),
  def('rpc.procedure', 'uint', 'Procedure', true, (s) => {
    const h = s.rpc.header;
    return one(s.rpc.procedure ?? (h && h.msgType === 'call' ? h.proc : undefined));
  }),
  // tshark 4.0 puts rpc.reqframe on the CALL (it points at the reply) and rpc.repframe on the
  // REPLY (it points at the call): the names read backwards, but filters must behave the same.
  def('rpc.reqframe', 'framenum', 'Request Frame', true, (s) => (s.rpc.type === 'call' ? one(s.replyFrame) : NONE),
    { blurb: 'on a call: the frame of its reply (tshark 4.0 convention)' }),
  def('rpc.repframe', 'framenum', 'Reply Frame', true, (s) => (s.rpc.type === 'reply' ? one(s.rpc.callFrame) : NONE),
    { blurb: 'on a reply: the frame of its call (tshark 4.0 convention)' }),
  def('rpc.time', 'rel_time', 'Time from request', true, (s) => (s.rpc.type === 'reply' ? one(s.rpc.responseTime) : NONE)),
  def('rpc.dup', 'none', 'Duplicate Call/Reply', true, (s) => (s.rpc.duplicate ? [true] : NONE)),
  def('rpc.orphan', 'none', 'Reply without a call seen', false, (s) => (s.rpc.orphan ? [true] : NONE)),
  def('rpc.auth.flavor', 'enum', 'Flavor', true, (s) => {
    const h = s.rpc.header;
    if (!h) return NONE;
    if (h.msgType === 'call') return [h.cred.flavor, h.verf.flavor];
    return h.verf ? [h.verf.flavor] : NONE;
  }, { values: RPC_AUTH_FLAVOR, blurb: 'call: credential then verifier flavor; reply: verifier flavor' }),
  def('rpc.auth.stamp', 'uint', 'Stamp', true, (s) => one(callCred(s)?.sys?.stamp), hex(8)),
  def('rpc.auth.machinename', 'string', 'Machine Name', true, (s) => one(callCred(s)?.sys?.machinename)),
  def('rpc.auth.uid', 'uint', 'UID', true, (s) => one(callCred(s)?.sys?.uid)),
  def('rpc.auth.gid', 'uint', 'GID', true, (s) => {
    const sys = callCred(s)?.sys;
    return sys ? [sys.gid, ...sys.gids] : NONE;
  }, { blurb: 'the primary gid, then the auxiliary gids (as tshark)' }),
  def('rpc.authgss.version', 'uint', 'GSS Version', true, (s) => one(callCred(s)?.gss?.version)),
  def('rpc.authgss.procedure', 'enum', 'GSS Procedure', true, (s) => one(callCred(s)?.gss?.proc), { values: RPC_GSS_PROC }),
  def('rpc.authgss.seqnum', 'uint', 'GSS Sequence Number', true, (s) => one(callCred(s)?.gss?.seqNum), hex(8)),
  def('rpc.authgss.service', 'enum', 'GSS Service', true, (s) => one(callCred(s)?.gss?.service), { values: RPC_GSS_SERVICE }),
  def('rpc.replystat', 'enum', 'Reply State', true, (s) => statNumber(RPC_REPLY_STAT, replyHeader(s)?.replyStat), { values: RPC_REPLY_STAT }),
  def('rpc.state_accept', 'enum', 'Accept State', true, (s) => statNumber(RPC_ACCEPT_STAT, replyHeader(s)?.acceptStat), { values: RPC_ACCEPT_STAT }),
  def('rpc.state_reject', 'enum', 'Reject State', true, (s) => statNumber(RPC_REJECT_STAT, replyHeader(s)?.rejectStat), { values: RPC_REJECT_STAT }),
  def('rpc.state_auth', 'enum', 'Auth State', true, (s) => statNumber(RPC_AUTH_STAT, replyHeader(s)?.authStat), { values: RPC_AUTH_STAT }),

  // --- NFSv4 compound
  nfs('nfs.procedure_v4', 'enum', 'V4 Procedure', true, { values: PROC_V4 }),
  nfs('nfs.cb_procedure', 'enum', 'CB Procedure', true, { values: CB_PROC }),
  nfs('nfs.tag', 'string', 'Tag', true),
  nfs('nfs.minorversion', 'uint', 'minorversion', true),
  nfs('nfs.callback.ident', 'uint', 'callback_ident', true, hex(8)),
  nfs('nfs.ops.count', 'uint', 'Operations', true, { blurb: 'COMPOUND only (as tshark)' }),
  nfs('nfs.opcode', 'enum', 'Opcode', true, { values: NFS_OPCODES, blurb: 'every operation of a COMPOUND call or reply' }),
  nfs('nfs.cb.operation', 'enum', 'Opcode', true, { values: CB_OPCODES, blurb: 'every operation of a CB_COMPOUND call or reply' }),
  def('nfs.nfsstat4', 'enum', 'Status', true, (s) => (s.nfs ? nfsStatValues(s.nfs) ?? NONE : NONE),
    { values: NFSSTAT4, blurb: 'replies: the compound status, each operation status, then rdattr_error attributes (as tshark)' }),
  nfs('nfs.status', 'enum', 'Compound status', false, { values: NFSSTAT4, blurb: 'replies: the compound status only' }),
  nfs('nfs.malformed', 'string', 'Malformed', false, { blurb: 'why (part of) the body could not be decoded' }),
  nfs('nfs.fhandle', 'bytes', 'FileHandle', true, { blurb: 'every nfs_fh4' }),
  nfs('nfs.fh.hash', 'uint', 'hash (CRC-32)', true, hex(8)),
  nfs('nfs.stateid', 'bytes', 'StateID', true, { blurb: 'every stateid4 (16 bytes)' }),
  nfs('nfs.stateid.hash', 'uint', 'StateID Hash', true, hex(4)),
  nfs('nfs.stateid.seqid', 'uint', 'StateID seqid', true),
  nfs('nfs.stateid.other', 'bytes', 'StateID Other', true),
  nfs('nfs.stateid.other_hash', 'uint', 'StateID Other hash', true, hex(8)),
  nfs('nfs.deleg.stateid', 'bytes', 'Delegation StateID', false, { blurb: 'stateids that name a delegation (OPEN/WANT_DELEGATION/GDD grants, CB_RECALL, CB_NOTIFY, DELEGRETURN, delegation claims)' }),
  nfs('nfs.deleg.stateid.hash', 'uint', 'Delegation StateID Hash', false, hex(4)),
  nfs('nfs.deleg.stateid.seqid', 'uint', 'Delegation StateID seqid', false),
  nfs('nfs.deleg.stateid.other', 'bytes', 'Delegation StateID Other', false),
  nfs('nfs.deleg.stateid.other_hash', 'uint', 'Delegation StateID Other hash', false, hex(8)),
  nfs('nfs.session_id4', 'bytes', 'sessionid', true),
  nfs('nfs.seqid', 'uint', 'seqid', true, { ...hex(8), blurb: 'sequence ids of SEQUENCE, CB_SEQUENCE, EXCHANGE_ID, CREATE_SESSION and seqid4 of OPEN/CLOSE/...' }),
  nfs('nfs.lock_seqid', 'uint', 'lock_seqid', true, hex(8)),
  nfs('nfs.slotid', 'uint', 'slot id', true),
  nfs('nfs.high_slotid', 'uint', 'high slot id', true),
  nfs('nfs.target_high_slotid', 'uint', 'target high slot id', true),
  nfs('nfs.cachethis4', 'bool', 'cache this?', true),
  nfs('nfs.sequence.flags', 'uint', 'status flags', true, hex(8)),
  nfs('nfs.sequence.flags.recallable_state_revoked', 'bool', 'SEQ4_STATUS_RECALLABLE_STATE_REVOKED', true),
  nfs('nfs.clientid', 'uint64', 'clientid', true, hex(16)),
  nfs('nfs.cb_program', 'uint', 'cb_program', true, hex(8)),
  nfs('nfs.create_session_flags', 'uint', 'csa_flags', true, hex(8)),
  nfs('nfs.pathname.component', 'string', 'Name', true, { blurb: 'names in LOOKUP, OPEN, CREATE, REMOVE, RENAME, LINK, SECINFO' }),
  nfs('nfs.name', 'string', 'Name', true, { blurb: 'READDIR entry names (as tshark)' }),
  nfs('nfs.open.claim_type', 'enum', 'Claim Type', true, { values: OPEN_CLAIM_TYPE4 }),
  nfs('nfs.open.delegation_type', 'enum', 'Delegation Type', true, { values: OPEN_DELEGATION_TYPE4 }),
  nfs('nfs.delegate_type', 'enum', 'delegate_type', true, { values: OPEN_DELEGATION_TYPE4 }),
  nfs('nfs.open.why_no_delegation', 'enum', 'why no delegation', true, { values: WHY_NO_DELEGATION4 }),
  nfs('nfs.recall4', 'bool', 'recall', true, { blurb: 'recall flag of a granted read/write delegation' }),
  nfs('nfs.truncate', 'bool', 'Truncate?', true),
  // --- directory delegations (not in tshark 4.0)
  nfs('nfs.gdd.status', 'enum', 'GET_DIR_DELEGATION non-fatal status', false, { values: GDDRNF4_STATUS }),
  nfs('nfs.gdd.notification_types', 'enum', 'Requested notification', false, { values: NOTIFY_TYPES, blurb: 'bits of gdda_notification_types' }),
  nfs('nfs.gdd.notification', 'enum', 'Granted notification', false, { values: NOTIFY_TYPES, blurb: 'bits of gddr_notification' }),
  nfs('nfs.gdd.signal_deleg_avail', 'bool', 'gdda_signal_deleg_avail', false),
  nfs('nfs.gdd.will_signal_deleg_avail', 'bool', 'gddrnf_will_signal_deleg_avail', false),
  nfs('nfs.notify.type', 'enum', 'Notification type', false, { values: NOTIFY_TYPES, blurb: 'one per bit of each CB_NOTIFY notify_mask' }),
  nfs('nfs.notify.name', 'string', 'Entry name', false, { blurb: 'names of the entries a CB_NOTIFY reports (added, removed, renamed, changed, replaced)' }),
  nfs('nfs.notify.cookie', 'uint64', 'Entry cookie', false, { blurb: 'READDIR cookies of added and removed entries' }),
  nfs('nfs.notify.prev_name', 'string', 'Previous entry name', false, { blurb: 'nad_prev_entry: the entry before an added one' }),
  nfs('nfs.notify.prev_cookie', 'uint64', 'Previous entry cookie', false),
  nfs('nfs.notify.last_entry', 'bool', 'nad_last_entry', false),
];

const BY_NAME: ReadonlyMap<string, FieldDef> = new Map(FIELDS.map((f) => [f.name, f]));

/** The field of that filter name, or undefined. */
export function getField(name: string): FieldDef | undefined {
  return BY_NAME.get(name);
}

/** All values of a field (by name or definition) in one message; [] for an unknown name. */
export function fieldValues(field: string | FieldDef, src: FieldSource): FieldValue[] {
  const d = typeof field === 'string' ? BY_NAME.get(field) : field;
  return d ? d.extract(src) : NONE;
}

/** Protocol prefixes that exist as names alone (`nfs`, `rpc` test for the protocol). */
export const PROTOCOLS: ReadonlyMap<string, (src: FieldSource) => boolean> = new Map([
  ['frame', () => true],
  ['ip', (s: FieldSource) => !isV6(s.srcIp)],
  ['ipv6', (s: FieldSource) => isV6(s.srcIp)],
  ['tcp', (s: FieldSource) => transport(s) === 'tcp'],
  ['udp', (s: FieldSource) => transport(s) === 'udp'],
  ['rpc', () => true],
  ['nfs', (s: FieldSource) => s.nfs !== undefined],
]);

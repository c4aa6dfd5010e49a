/**
 * Name tables of NFSv4.x numbers (RFC 7530, 8881, 7862, 8276, 9754): operations, callback
 * operations, status codes, attributes and notification types. Names follow the RFCs, not
 * Wireshark 4.0, whose status table is wrong at 19, 10030, 10057 and 10073.
 */

/** Forward operations (nfs_opnum4), without the OP_ prefix; index = op number. */
const NFS_OPS: Record<number, string> = {
  3: 'ACCESS', 4: 'CLOSE', 5: 'COMMIT', 6: 'CREATE', 7: 'DELEGPURGE', 8: 'DELEGRETURN',
  9: 'GETATTR', 10: 'GETFH', 11: 'LINK', 12: 'LOCK', 13: 'LOCKT', 14: 'LOCKU', 15: 'LOOKUP',
  16: 'LOOKUPP', 17: 'NVERIFY', 18: 'OPEN', 19: 'OPENATTR', 20: 'OPEN_CONFIRM',
  21: 'OPEN_DOWNGRADE', 22: 'PUTFH', 23: 'PUTPUBFH', 24: 'PUTROOTFH', 25: 'READ',
  26: 'READDIR', 27: 'READLINK', 28: 'REMOVE', 29: 'RENAME', 30: 'RENEW', 31: 'RESTOREFH',
  32: 'SAVEFH', 33: 'SECINFO', 34: 'SETATTR', 35: 'SETCLIENTID', 36: 'SETCLIENTID_CONFIRM',
  37: 'VERIFY', 38: 'WRITE', 39: 'RELEASE_LOCKOWNER',
  // NFSv4.1
  40: 'BACKCHANNEL_CTL', 41: 'BIND_CONN_TO_SESSION', 42: 'EXCHANGE_ID', 43: 'CREATE_SESSION',
  44: 'DESTROY_SESSION', 45: 'FREE_STATEID', 46: 'GET_DIR_DELEGATION', 47: 'GETDEVICEINFO',
  48: 'GETDEVICELIST', 49: 'LAYOUTCOMMIT', 50: 'LAYOUTGET', 51: 'LAYOUTRETURN',
  52: 'SECINFO_NO_NAME', 53: 'SEQUENCE', 54: 'SET_SSV', 55: 'TEST_STATEID',
  56: 'WANT_DELEGATION', 57: 'DESTROY_CLIENTID', 58: 'RECLAIM_COMPLETE',
  // NFSv4.2
  59: 'ALLOCATE', 60: 'COPY', 61: 'COPY_NOTIFY', 62: 'DEALLOCATE', 63: 'IO_ADVISE',
  64: 'LAYOUTERROR', 65: 'LAYOUTSTATS', 66: 'OFFLOAD_CANCEL', 67: 'OFFLOAD_STATUS',
  68: 'READ_PLUS', 69: 'SEEK', 70: 'WRITE_SAME', 71: 'CLONE',
  // RFC 8276 extended attributes
  72: 'GETXATTR', 73: 'SETXATTR', 74: 'LISTXATTRS', 75: 'REMOVEXATTR',
  10044: 'ILLEGAL',
};

/** Callback operations (nfs_cb_opnum4), without the OP_ prefix. */
const CB_OPS: Record<number, string> = {
  3: 'CB_GETATTR', 4: 'CB_RECALL', 5: 'CB_LAYOUTRECALL', 6: 'CB_NOTIFY', 7: 'CB_PUSH_DELEG',
  8: 'CB_RECALL_ANY', 9: 'CB_RECALLABLE_OBJ_AVAIL', 10: 'CB_RECALL_SLOT', 11: 'CB_SEQUENCE',
  12: 'CB_WANTS_CANCELLED', 13: 'CB_NOTIFY_LOCK', 14: 'CB_NOTIFY_DEVICEID', 15: 'CB_OFFLOAD',
  10044: 'CB_ILLEGAL',
};

/** nfsstat4. 19 and 10073 are unused in NFSv4 and deliberately have no name. */
const NFS_STATS: Record<number, string> = {
  0: 'NFS4_OK', 1: 'NFS4ERR_PERM', 2: 'NFS4ERR_NOENT', 5: 'NFS4ERR_IO', 6: 'NFS4ERR_NXIO',
  13: 'NFS4ERR_ACCESS', 17: 'NFS4ERR_EXIST', 18: 'NFS4ERR_XDEV', 20: 'NFS4ERR_NOTDIR',
  21: 'NFS4ERR_ISDIR', 22: 'NFS4ERR_INVAL', 27: 'NFS4ERR_FBIG', 28: 'NFS4ERR_NOSPC',
  30: 'NFS4ERR_ROFS', 31: 'NFS4ERR_MLINK', 63: 'NFS4ERR_NAMETOOLONG', 66: 'NFS4ERR_NOTEMPTY',
  69: 'NFS4ERR_DQUOT', 70: 'NFS4ERR_STALE',
  10001: 'NFS4ERR_BADHANDLE', 10003: 'NFS4ERR_BAD_COOKIE', 10004: 'NFS4ERR_NOTSUPP',
  10005: 'NFS4ERR_TOOSMALL', 10006: 'NFS4ERR_SERVERFAULT', 10007: 'NFS4ERR_BADTYPE',
  10008: 'NFS4ERR_DELAY', 10009: 'NFS4ERR_SAME', 10010: 'NFS4ERR_DENIED',
  10011: 'NFS4ERR_EXPIRED', 10012: 'NFS4ERR_LOCKED', 10013: 'NFS4ERR_GRACE',
  10014: 'NFS4ERR_FHEXPIRED', 10015: 'NFS4ERR_SHARE_DENIED', 10016: 'NFS4ERR_WRONGSEC',
  10017: 'NFS4ERR_CLID_INUSE', 10018: 'NFS4ERR_RESOURCE', 10019: 'NFS4ERR_MOVED',
  10020: 'NFS4ERR_NOFILEHANDLE', 10021: 'NFS4ERR_MINOR_VERS_MISMATCH',
  10022: 'NFS4ERR_STALE_CLIENTID', 10023: 'NFS4ERR_STALE_STATEID',
  10024: 'NFS4ERR_OLD_STATEID', 10025: 'NFS4ERR_BAD_STATEID', 10026: 'NFS4ERR_BAD_SEQID',
  10027: 'NFS4ERR_NOT_SAME', 10028: 'NFS4ERR_LOCK_RANGE', 10029: 'NFS4ERR_SYMLINK',
  10030: 'NFS4ERR_RESTOREFH', 10031: 'NFS4ERR_LEASE_MOVED', 10032: 'NFS4ERR_ATTRNOTSUPP',
  10033: 'NFS4ERR_NO_GRACE', 10034: 'NFS4ERR_RECLAIM_BAD', 10035: 'NFS4ERR_RECLAIM_CONFLICT',
  10036: 'NFS4ERR_BADXDR', 10037: 'NFS4ERR_LOCKS_HELD', 10038: 'NFS4ERR_OPENMODE',
  10039: 'NFS4ERR_BADOWNER', 10040: 'NFS4ERR_BADCHAR', 10041: 'NFS4ERR_BADNAME',
  10042: 'NFS4ERR_BAD_RANGE', 10043: 'NFS4ERR_LOCK_NOTSUPP', 10044: 'NFS4ERR_OP_ILLEGAL',
  10045: 'NFS4ERR_DEADLOCK', 10046: 'NFS4ERR_FILE_OPEN', 10047: 'NFS4ERR_ADMIN_REVOKED',
  10048: 'NFS4ERR_CB_PATH_DOWN',
  // NFSv4.1
  10049: 'NFS4ERR_BADIOMODE', 10050: 'NFS4ERR_BADLAYOUT', 10051: 'NFS4ERR_BAD_SESSION_DIGEST',
  10052: 'NFS4ERR_BADSESSION', 10053: 'NFS4ERR_BADSLOT', 10054: 'NFS4ERR_COMPLETE_ALREADY',
  10055: 'NFS4ERR_CONN_NOT_BOUND_TO_SESSION', 10056: 'NFS4ERR_DELEG_ALREADY_WANTED',
  10057: 'NFS4ERR_BACK_CHAN_BUSY', 10058: 'NFS4ERR_LAYOUTTRYLATER',
  10059: 'NFS4ERR_LAYOUTUNAVAILABLE', 10060: 'NFS4ERR_NOMATCHING_LAYOUT',
  10061: 'NFS4ERR_RECALLCONFLICT', 10062: 'NFS4ERR_UNKNOWN_LAYOUTTYPE',
  10063: 'NFS4ERR_SEQ_MISORDERED', 10064: 'NFS4ERR_SEQUENCE_POS', 10065: 'NFS4ERR_REQ_TOO_BIG',
  10066: 'NFS4ERR_REP_TOO_BIG', 10067: 'NFS4ERR_REP_TOO_BIG_TO_CACHE',
  10068: 'NFS4ERR_RETRY_UNCACHED_REP', 10069: 'NFS4ERR_UNSAFE_COMPOUND',
  10070: 'NFS4ERR_TOO_MANY_OPS', 10071: 'NFS4ERR_OP_NOT_IN_SESSION',
  10072: 'NFS4ERR_HASH_ALG_UNSUPP', 10074: 'NFS4ERR_CLIENTID_BUSY',
  10075: 'NFS4ERR_PNFS_IO_HOLE', 10076: 'NFS4ERR_SEQ_FALSE_RETRY',
  10077: 'NFS4ERR_BAD_HIGH_SLOT', 10078: 'NFS4ERR_DEADSESSION',
  10079: 'NFS4ERR_ENCR_ALG_UNSUPP', 10080: 'NFS4ERR_PNFS_NO_LAYOUT',
  10081: 'NFS4ERR_NOT_ONLY_OP', 10082: 'NFS4ERR_WRONG_CRED', 10083: 'NFS4ERR_WRONG_TYPE',
  10084: 'NFS4ERR_DIRDELEG_UNAVAIL', 10085: 'NFS4ERR_REJECT_DELEG',
  10086: 'NFS4ERR_RETURNCONFLICT', 10087: 'NFS4ERR_DELEG_REVOKED',
  // NFSv4.2
  10088: 'NFS4ERR_PARTNER_NOTSUPP', 10089: 'NFS4ERR_PARTNER_NO_AUTH',
  10090: 'NFS4ERR_UNION_NOTSUPP', 10091: 'NFS4ERR_OFFLOAD_DENIED', 10092: 'NFS4ERR_WRONG_LFS',
  10093: 'NFS4ERR_BADLABEL', 10094: 'NFS4ERR_OFFLOAD_NO_REQS',
  // RFC 8276
  10095: 'NFS4ERR_NOXATTR', 10096: 'NFS4ERR_XATTR2BIG',
};

/**
 * Attribute names by bit number (fattr4 attrmask), without the FATTR4_ prefix, lower case
 * as in the spec's fattr4_<name> typedefs. 0..80 RFC 7862; 81 RFC 8275; 82 RFC 8276;
 * 83..86 RFC 9754 (offline, delegated timestamps, open_arguments); 89..92 the POSIX-ACL
 * draft as Linux has it. '' = unassigned.
 */
export const ATTR_NAMES: readonly string[] = [
  'supported_attrs', 'type', 'fh_expire_type', 'change', 'size', 'link_support',
  'symlink_support', 'named_attr', 'fsid', 'unique_handles', 'lease_time', 'rdattr_error',
  'acl', 'aclsupport', 'archive', 'cansettime', 'case_insensitive', 'case_preserving',
  'chown_restricted', 'filehandle', 'fileid', 'files_avail', 'files_free', 'files_total',
  'fs_locations', 'hidden', 'homogeneous', 'maxfilesize', 'maxlink', 'maxname', 'maxread',
  'maxwrite', 'mimetype', 'mode', 'no_trunc', 'numlinks', 'owner', 'owner_group',
  'quota_avail_hard', 'quota_avail_soft', 'quota_used', 'rawdev', 'space_avail', 'space_free',
  'space_total', 'space_used', 'system', 'time_access', 'time_access_set', 'time_backup',
  'time_create', 'time_delta', 'time_metadata', 'time_modify', 'time_modify_set',
  'mounted_on_fileid', 'dir_notif_delay', 'dirent_notif_delay', 'dacl', 'sacl',
  'change_policy', 'fs_status', 'fs_layout_types', 'layout_hint', 'layout_types',
  'layout_blksize', 'layout_alignment', 'fs_locations_info', 'mdsthreshold', 'retention_get',
  'retention_set', 'retentevt_get', 'retentevt_set', 'retention_hold', 'mode_set_masked',
  'suppattr_exclcreat', 'fs_charset_cap', 'clone_blksize', 'space_freed', 'change_attr_type',
  'sec_label', 'mode_umask', 'xattr_support', 'offline', 'time_deleg_access',
  'time_deleg_modify', 'open_arguments', '', '', 'acl_trueform', 'acl_trueform_scope',
  'posix_default_acl', 'posix_access_acl',
];

/** notify_type4 by bit number (RFC 8881; 6.. are the RFC8881bis flag bits Linux uses). */
export const NOTIFY_TYPE_NAMES: readonly string[] = [
  'NOTIFY4_CHANGE_CHILD_ATTRS', 'NOTIFY4_CHANGE_DIR_ATTRS', 'NOTIFY4_REMOVE_ENTRY',
  'NOTIFY4_ADD_ENTRY', 'NOTIFY4_RENAME_ENTRY', 'NOTIFY4_CHANGE_COOKIE_VERIFIER',
  'NOTIFY4_GFLAG_EXTEND', 'NOTIFY4_AUFLAG_VALID', 'NOTIFY4_AUFLAG_USER', 'NOTIFY4_AUFLAG_GROUP',
  'NOTIFY4_AUFLAG_OTHER', 'NOTIFY4_CHANGE_AUTH', 'NOTIFY4_CFLAG_ORDER', 'NOTIFY4_AUFLAG_GANOW',
  'NOTIFY4_AUFLAG_GALATER', 'NOTIFY4_CHANGE_GA', 'NOTIFY4_CHANGE_AMASK',
];

/** Dense copies of the sparse tables for the hot path: low numbers, and 10000.. numbers. */
function dense(table: Record<number, string>): { low: (string | undefined)[]; high: (string | undefined)[] } {
  const low: (string | undefined)[] = new Array(128).fill(undefined);
  const high: (string | undefined)[] = new Array(128).fill(undefined);
  for (const [k, v] of Object.entries(table)) {
    const n = Number(k);
    if (n < 128) low[n] = v;
    else if (n >= 10000 && n < 10128) high[n - 10000] = v;
    else throw new Error(`name table: ${n} out of the dense ranges`);
  }
  return { low, high };
}

const NFS_OPS_D = dense(NFS_OPS);
const CB_OPS_D = dense(CB_OPS);
const NFS_STATS_D = dense(NFS_STATS);

function lookup(d: { low: (string | undefined)[]; high: (string | undefined)[] }, n: number): string | undefined {
  if (n >= 0 && n < 128) return d.low[n];
  if (n >= 10000 && n < 10128) return d.high[n - 10000];
  return undefined;
}

/** Op name of a forward operation number, e.g. 46 -> 'GET_DIR_DELEGATION'; unknown -> 'UNKNOWN_<n>'. */
export function nfsOpName(n: number): string {
  return lookup(NFS_OPS_D, n) ?? `UNKNOWN_${n}`;
}

/** Op name of a callback operation number, e.g. 6 -> 'CB_NOTIFY'; unknown -> 'UNKNOWN_<n>'. */
export function cbOpName(n: number): string {
  return lookup(CB_OPS_D, n) ?? `UNKNOWN_${n}`;
}

/** True when n is an operation number known to this dissector. */
export function isKnownOp(program: 'NFS' | 'NFS_CB', n: number): boolean {
  return lookup(program === 'NFS' ? NFS_OPS_D : CB_OPS_D, n) !== undefined;
}

/** nfsstat4 name ('NFS4ERR_DELAY'); a number without a name gives its decimal string. */
export function nfsStatName(n: number): string {
  return lookup(NFS_STATS_D, n) ?? String(n);
}

/** Attribute name by bit ('size' for 4); unknown -> 'attr_<n>'. */
export function attrName(bit: number): string {
  return ATTR_NAMES[bit] || `attr_${bit}`;
}

/** notify_type4 name by bit ('NOTIFY4_ADD_ENTRY' for 3); unknown -> 'NOTIFY4_<n>'. */
export function notifyTypeName(bit: number): string {
  return NOTIFY_TYPE_NAMES[bit] ?? `NOTIFY4_${bit}`;
}

/**
 * Bits listed of one bitmap: the RFCs define fewer than 100 attributes and a handful of
 * notification types, while a hostile bitmap4 can hold 262,144 words of set bits (each bit
 * would become a name in the trees and in every delegation record).
 */
export const MAX_BITMAP_BITS = 128;

/**
 * Bit numbers set in a bitmap4 (word n holds bits 32n..32n+31), ascending: the first
 * MAX_BITMAP_BITS of them (bitmapBitCount counts them all).
 */
export function bitmapBits(words: readonly number[]): number[] {
  const bits: number[] = [];
  for (let w = 0; w < words.length && bits.length < MAX_BITMAP_BITS; w++) {
    let word = words[w] >>> 0;
    while (word !== 0 && bits.length < MAX_BITMAP_BITS) {
      const low = word & -word;
      bits.push(w * 32 + (31 - Math.clz32(low)));
      word = (word ^ low) >>> 0;
    }
  }
  return bits;
}

/** Bits set in a bitmap4, all of them. */
export function bitmapBitCount(words: readonly number[]): number {
  let n = 0;
  for (let w = 0; w < words.length; w++) {
    let x = words[w] >>> 0;
    x = x - ((x >>> 1) & 0x55555555);
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    n += (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
  }
  return n;
}

/** Names of the attributes whose bits are set in an attribute bitmap4 (bitmapBits' first ones). */
export function attrMaskNames(words: readonly number[]): string[] {
  return bitmapBits(words).map(attrName);
}

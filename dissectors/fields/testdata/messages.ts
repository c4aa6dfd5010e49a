/**
 * Test helper: hand-built FieldSource messages following the XDR decoded-value conventions
 * (RFC 8881 field names), for the field, filter and output tests.
 */
import type { NfsCompound, NfsOp } from '../../nfs4/types.js';
import type { OpaqueAuth, RpcCallHeader, RpcReplyHeader } from '../../rpc/types.js';
import type { FieldSource } from '../types.js';

export function bytes(hex: string): Uint8Array {
  const clean = hex.replace(/[^0-9a-f]/gi, '');
  const b = new Uint8Array(clean.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return b;
}

const NONE_AUTH: OpaqueAuth = { flavor: 0, flavorName: 'AUTH_NONE', body: new Uint8Array(0), offset: 0 };

export function sysCred(uid = 0, gid = 0, machinename = 'client1'): OpaqueAuth {
  return {
    flavor: 1, flavorName: 'AUTH_SYS', body: new Uint8Array(0), offset: 12,
    sys: { stamp: 42, machinename, uid, gid, gids: [3, 17] },
  };
}

export function callHeader(xid: number, prog: number, vers: number, proc: number, cred: OpaqueAuth = sysCred()): RpcCallHeader {
  return { xid, msgType: 'call', rpcvers: 2, prog, vers, proc, cred, verf: NONE_AUTH, bodyOffset: 40 };
}

export function replyHeader(xid: number, acceptStat = 'SUCCESS'): RpcReplyHeader {
  return { xid, msgType: 'reply', replyStat: 'MSG_ACCEPTED', verf: NONE_AUTH, acceptStat, bodyOffset: 24 };
}

export const SESSION = bytes('30303030303030323030303030303031');
export const DIR_FH = bytes('01000600ea2c0a00000000001d5d24bb7c4d4a7e8f5d60a2');
export const DELEG_OTHER = bytes('000000020000000000000002');
export const OPEN_OTHER = bytes('000000000000000000000001');

function op(opnum: number, name: string, body: { args?: unknown; res?: unknown; status?: string }, offset = 0, length = 0): NfsOp {
  return { opnum, op: name, offset, length, ...body };
}

interface Endpoints { src: string; dst: string; srcPort: number; dstPort: number }
const CLIENT_TO_SERVER: Endpoints = { src: '10.0.0.5', dst: '10.0.0.1', srcPort: 812, dstPort: 2049 };
const SERVER_TO_CLIENT: Endpoints = { src: '10.0.0.1', dst: '10.0.0.5', srcPort: 2049, dstPort: 812 };

function endpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function source(frame: number, rel: number, ep: Endpoints, rpc: FieldSource['rpc'], nfs?: NfsCompound): FieldSource {
  const base = 1795786427;
  const nsec = Math.round(rel * 1e9);
  return {
    frame, sec: base + Math.floor(nsec / 1e9), nsec: nsec % 1e9, relTime: rel,
    src: endpoint(ep.src, ep.srcPort), dst: endpoint(ep.dst, ep.dstPort),
    srcIp: ep.src, dstIp: ep.dst, srcPort: ep.srcPort, dstPort: ep.dstPort, rpc, nfs,
  };
}

const sequenceArgs = (seq: number) => ({
  sa_sessionid: SESSION, sa_sequenceid: seq, sa_slotid: 0, sa_highest_slotid: 0, sa_cachethis: false,
});
const sequenceRes = (seq: number, flags = 0) => ({
  sr_status: 'NFS4_OK',
  sr_resok4: {
    sr_sessionid: SESSION, sr_sequenceid: seq, sr_slotid: 0, sr_highest_slotid: 9,
    sr_target_highest_slotid: 9, sr_status_flags: flags,
  },
});

/** Frame 10: SEQUENCE PUTFH GET_DIR_DELEGATION call. */
export function gddCall(): FieldSource {
  return source(10, 1.5, CLIENT_TO_SERVER, {
    xid: 0x4e189170, type: 'call', header: callHeader(0x4e189170, 100003, 4, 1),
    program: 100003, version: 4, procedure: 1,
  }, {
    program: 'NFS', type: 'call', procedure: 1, procName: 'COMPOUND', tag: 'gdd', minorversion: 1,
    ops: [
      op(53, 'SEQUENCE', { args: sequenceArgs(7) }, 52, 36),
      op(22, 'PUTFH', { args: { object: DIR_FH } }, 88, 32),
      op(46, 'GET_DIR_DELEGATION', {
        args: {
          gdda_signal_deleg_avail: false,
          gdda_notification_types: [(1 << 2) | (1 << 3) | (1 << 4) | (1 << 6)],
          gdda_child_attr_delay: { seconds: 0, nseconds: 0 },
          gdda_dir_attr_delay: { seconds: 0, nseconds: 0 },
          gdda_child_attributes: [0x00100012],
          gdda_dir_attributes: [],
        },
      }, 120, 40),
    ],
  });
}

/** Frame 12: the reply, GDD4_OK with a delegation stateid. */
export function gddReply(): FieldSource {
  return {
    ...source(12, 1.502345, SERVER_TO_CLIENT, {
      xid: 0x4e189170, type: 'reply', header: replyHeader(0x4e189170),
      program: 100003, version: 4, procedure: 1, callFrame: 10, responseTime: 0.002345,
    }, {
      program: 'NFS', type: 'reply', procedure: 1, procName: 'COMPOUND', tag: 'gdd', status: 'NFS4_OK',
      ops: [
        op(53, 'SEQUENCE', { status: 'NFS4_OK', res: sequenceRes(7) }),
        op(22, 'PUTFH', { status: 'NFS4_OK', res: { status: 'NFS4_OK' } }),
        op(46, 'GET_DIR_DELEGATION', {
          status: 'NFS4_OK',
          res: {
            gddr_status: 'NFS4_OK',
            gddr_res_non_fatal4: {
              gddrnf_status: 'GDD4_OK',
              gddrnf_resok4: {
                gddr_cookieverf: bytes('0000000000000000'),
                gddr_stateid: { seqid: 1, other: DELEG_OTHER },
                gddr_notification: [(1 << 2) | (1 << 3)],
                gddr_child_attributes: [],
                gddr_dir_attributes: [],
              },
            },
          },
        }),
      ],
    }),
  };
}

function notifyEntry(name: string) {
  return { ne_file: name, ne_attrs: { attrmask: [], attr_vals: new Uint8Array(0), attrs: {} } };
}

/** Frame 20: CB_SEQUENCE + CB_NOTIFY(ADD "x", REMOVE "y"). */
export function cbNotifyCall(addName = 'x', removeName = 'y'): FieldSource {
  return source(20, 2.25, SERVER_TO_CLIENT, {
    xid: 0x621bf8bc, type: 'call', header: callHeader(0x621bf8bc, 0x40000000, 1, 1, NONE_AUTH),
    program: 0x40000000, version: 1, procedure: 1,
  }, {
    program: 'NFS_CB', type: 'call', procedure: 1, procName: 'CB_COMPOUND', tag: '', minorversion: 1,
    callbackIdent: 0,
    ops: [
      op(11, 'CB_SEQUENCE', {
        args: {
          csa_sessionid: SESSION, csa_sequenceid: 1, csa_slotid: 0, csa_highest_slotid: 0,
          csa_cachethis: false, csa_referring_call_lists: [],
        },
      }),
      op(6, 'CB_NOTIFY', {
        args: {
          cna_stateid: { seqid: 1, other: DELEG_OTHER },
          cna_fh: DIR_FH,
          cna_changes: [
            {
              notify_mask: [1 << 3], notify_vals: new Uint8Array(8),
              values: [{
                type: 'NOTIFY4_ADD_ENTRY',
                value: {
                  nad_old_entry: [], nad_new_entry: notifyEntry(addName), nad_new_entry_cookie: [7],
                  nad_prev_entry: [], nad_last_entry: true,
                },
              }],
            },
            {
              notify_mask: [1 << 2], notify_vals: new Uint8Array(8),
              values: [{ type: 'NOTIFY4_REMOVE_ENTRY', value: { nrm_old_entry: notifyEntry(removeName), nrm_old_entry_cookie: 0 } }],
            },
          ],
        },
      }),
    ],
  });
}

/** Frame 21: CB_COMPOUND reply, all OK. */
export function cbNotifyReply(): FieldSource {
  return source(21, 2.2504, CLIENT_TO_SERVER, {
    xid: 0x621bf8bc, type: 'reply', header: replyHeader(0x621bf8bc),
    program: 0x40000000, version: 1, procedure: 1, callFrame: 20, responseTime: 0.0004,
  }, {
    program: 'NFS_CB', type: 'reply', procedure: 1, procName: 'CB_COMPOUND', tag: '', status: 'NFS4_OK',
    ops: [
      op(11, 'CB_SEQUENCE', {
        status: 'NFS4_OK',
        res: { csr_status: 'NFS4_OK', csr_resok4: { csr_sessionid: SESSION, csr_sequenceid: 1, csr_slotid: 0, csr_highest_slotid: 0, csr_target_highest_slotid: 0 } },
      }),
      op(6, 'CB_NOTIFY', { status: 'NFS4_OK', res: { cnr_status: 'NFS4_OK' } }),
    ],
  });
}

/** Frame 30: LOOKUP / OPEN(CLAIM_NULL) / CREATE / REMOVE / RENAME names in one call. */
export function namesCall(): FieldSource {
  return source(30, 3, CLIENT_TO_SERVER, {
    xid: 0x1000, type: 'call', header: callHeader(0x1000, 100003, 4, 1, sysCred(1000, 1000, 'vm')),
    program: 100003, version: 4, procedure: 1,
  }, {
    program: 'NFS', type: 'call', procedure: 1, procName: 'COMPOUND', tag: '', minorversion: 1,
    ops: [
      op(53, 'SEQUENCE', { args: sequenceArgs(8) }),
      op(24, 'PUTROOTFH', { args: undefined }),
      op(15, 'LOOKUP', { args: { objname: 'dir' } }),
      op(18, 'OPEN', {
        args: {
          seqid: 0, share_access: 1, share_deny: 0,
          owner: { clientid: 2, owner: bytes('6f776e6572') },
          openhow: { opentype: 'OPEN4_NOCREATE' },
          claim: { claim: 'CLAIM_NULL', file: 'a.txt' },
        },
      }),
      op(6, 'CREATE', { args: { objtype: { type: 'NF4DIR' }, objname: 'sub', createattrs: { attrmask: [], attr_vals: new Uint8Array(0), attrs: {} } } }),
      op(28, 'REMOVE', { args: { target: 'old\x1b[31m' } }),
      op(29, 'RENAME', { args: { oldname: 'from', newname: 'to' } }),
    ],
  });
}

/** Frame 31: the reply to namesCall, failing at OPEN with NFS4ERR_DELAY after a delegation recall. */
export function delayReply(): FieldSource {
  return source(31, 3.01, SERVER_TO_CLIENT, {
    xid: 0x1000, type: 'reply', header: replyHeader(0x1000),
    program: 100003, version: 4, procedure: 1, callFrame: 30, responseTime: 0.01,
  }, {
    program: 'NFS', type: 'reply', procedure: 1, procName: 'COMPOUND', tag: '', status: 'NFS4ERR_DELAY',
    ops: [
      op(53, 'SEQUENCE', { status: 'NFS4_OK', res: sequenceRes(8, 0x40) }),
      op(24, 'PUTROOTFH', { status: 'NFS4_OK', res: { status: 'NFS4_OK' } }),
      op(15, 'LOOKUP', { status: 'NFS4_OK', res: { status: 'NFS4_OK' } }),
      op(18, 'OPEN', { status: 'NFS4ERR_DELAY', res: { status: 'NFS4ERR_DELAY' } }),
    ],
  });
}

/** Frame 40: OPEN reply granting a read delegation, with a large clientid elsewhere. */
export function openDelegReply(): FieldSource {
  return source(40, 4, SERVER_TO_CLIENT, {
    xid: 0x2000, type: 'reply', header: replyHeader(0x2000),
    program: 100003, version: 4, procedure: 1, callFrame: 39, responseTime: 0.001,
  }, {
    program: 'NFS', type: 'reply', procedure: 1, procName: 'COMPOUND', tag: 'open', status: 'NFS4_OK',
    ops: [
      op(18, 'OPEN', {
        status: 'NFS4_OK',
        res: {
          status: 'NFS4_OK',
          resok4: {
            stateid: { seqid: 1, other: OPEN_OTHER },
            cinfo: { atomic: true, before: 1n << 60n, after: (1n << 60n) + 1n },
            rflags: 4, attrset: [],
            delegation: {
              delegation_type: 'OPEN_DELEGATE_READ',
              read: {
                stateid: { seqid: 1, other: DELEG_OTHER }, recall: false,
                permissions: { type: 0, flag: 0, access_mask: 0, who: '' },
              },
            },
          },
        },
      }),
      op(10, 'GETFH', { status: 'NFS4_OK', res: { status: 'NFS4_OK', resok4: { object: DIR_FH } } }),
    ],
  });
}

/** A non-NFS RPC call (portmap GETPORT), no decoded body. */
export function portmapCall(): FieldSource {
  return source(2, 0.1, { src: 'fe80::1', dst: 'fe80::2', srcPort: 900, dstPort: 111 }, {
    xid: 7, type: 'call', header: callHeader(7, 100000, 2, 3, NONE_AUTH), program: 100000, version: 2, procedure: 3,
  });
}

export function allMessages(): FieldSource[] {
  return [portmapCall(), gddCall(), gddReply(), cbNotifyCall(), cbNotifyReply(), namesCall(), delayReply(), openDelegReply()];
}

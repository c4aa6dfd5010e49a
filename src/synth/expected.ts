/**
 * What a synthetic capture contains, as data: every RPC message with its frame, and every
 * delegation's life (grant, notifications, recall with its cause, return or revocation).
 * These are the answers the reader, the RPC layer and the correlation engine must find.
 *
 * Frame numbers are 1-based like tshark's. A message's `frame` is the frame carrying its
 * last byte (where tshark shows the RPC); 0 means the message happened before the capture
 * started (late-start scenarios) and is not in the file.
 */

export interface ExpectedMessage {
  /** Position in the scenario's message list. */
  index: number;
  frame: number;
  /** Frame that carried the record's first byte. */
  firstFrame: number;
  /** Connection label ('A', 'B', ...), one TCP connection per client. */
  conn: string;
  /** Sender "ip:port" and receiver "ip:port". */
  src: string;
  dst: string;
  xid: number;
  /** 0 CALL, 1 REPLY (rpc.msgtyp). */
  msgtyp: 0 | 1;
  /** Program/version/procedure of the call (a reply repeats its call's). */
  program: number;
  version: number;
  procedure: number;
  /** 'fore' = client calls the server (NFS); 'back' = server calls the client (NFS CB). */
  channel: 'fore' | 'back';
  /** Op names without OP_ prefix (call: argarray; reply: resarray). */
  ops: string[];
  /** Op numbers as on the wire (nfs_opnum4 / nfs_cb_opnum4). */
  opnums: number[];
  /** Reply: compound status and one status per result. */
  status?: string;
  opStatus?: string[];
  /** Record-marking fragments. */
  fragments: number;
  /**
   * False when tshark 4.0.17 cannot show this message (record marker split across segments,
   * or the reply to such a call); the project's own reader must still find it.
   */
  tsharkVisible: boolean;
}

/** Reference to one RPC message of the expected list. */
export interface MessageRef {
  index: number;
  frame: number;
  xid: number;
}

/** Event kinds, named as in the correlator's model (src/correlate/types.ts). */
export type DelegationEventKind =
  /** GET_DIR_DELEGATION / OPEN reply granting the delegation. */
  | 'granted'
  /** CB_NOTIFY call (and its reply in `reply`). */
  | 'notified'
  /** CB_RECALL call. */
  | 'recalled'
  /** DELEGRETURN call (and its reply). */
  | 'returned'
  /** A reply refusing the delegation stateid (NFS4ERR_DELEG_REVOKED), or a SEQUENCE reply
   *  with SEQ4_STATUS_RECALLABLE_STATE_REVOKED for the holder. */
  | 'revoked'
  /** FREE_STATEID of the (revoked) delegation stateid (and its reply). */
  | 'freed';

export interface ExpectedNotifyChange {
  /** Bit names set in notify_mask, e.g. ['NOTIFY4_REMOVE_ENTRY', 'NOTIFY4_ADD_ENTRY']. */
  mask: string[];
  /** Entry names in the notification (added, removed, renamed old->new, changed). */
  names: string[];
}

export interface ExpectedDelegationEvent {
  kind: DelegationEventKind;
  /** The call (CB_NOTIFY, CB_RECALL, DELEGRETURN, GET_DIR_DELEGATION ...) */
  call: MessageRef;
  /** Its reply, when there is one in the capture (null if never answered or not captured). */
  reply: MessageRef | null;
  /** notify: the notify4 entries of this CB_NOTIFY. */
  changes?: ExpectedNotifyChange[];
  /** Reply status of the relevant op (e.g. 'NFS4_OK', 'NFS4ERR_DELEG_REVOKED'). */
  status?: string;
  /** revoked: which evidence ('NFS4ERR_DELEG_REVOKED' or 'SEQ4_STATUS_RECALLABLE_STATE_REVOKED'). */
  evidence?: string;
}

export type RecallCause =
  /** Another client's operation conflicts with the delegation (it got NFS4ERR_DELAY). */
  | 'conflict'
  /** The server gave up sending notifications (too many changes at once) and recalled. */
  | 'overflow';

export interface ExpectedRecall {
  call: MessageRef;
  reply: MessageRef | null;
  cause: RecallCause;
  /** conflict: the other client's call that triggered the recall (got NFS4ERR_DELAY). */
  conflictingCall?: MessageRef;
  /** conflict: the retry of that call that succeeded after the return. */
  retryCall?: MessageRef;
  /** True when CB_SEQUENCE's csa_referring_call_lists names the conflicting call. */
  referringCall?: boolean;
}

/** A change to a delegated directory by another client, and how it reached the holder. */
export interface ExpectedDirChange {
  /** The call that made the change, and its reply. */
  call: MessageRef;
  reply: MessageRef | null;
  /** Client label of the changer. */
  by: string;
  /** 'ADD' | 'REMOVE' | 'RENAME' | 'CHANGE_CHILD_ATTRS' | 'CHANGE_DIR_ATTRS' ... */
  change: string;
  names: string[];
  /** How the holder learned it: a CB_NOTIFY, covered by a recall, or not at all (missed). */
  delivery: 'notified' | 'recalled' | 'missed';
  /** The CB_NOTIFY (or CB_RECALL) call that delivered it. */
  deliveredBy?: MessageRef;
}

export interface ExpectedDelegation {
  /** Stable name within the scenario, e.g. 'A:dir#1'. */
  id: string;
  /** Holder's client label. */
  client: string;
  type: 'directory' | 'read' | 'write';
  /** stateid4.other as lowercase hex (24 chars) and the seqid granted. */
  stateidOther: string;
  seqid: number;
  /** Filehandle of the delegated object (hex). */
  fh: string;
  /** Directory delegations: notify_type4 names asked for and granted. */
  notificationsRequested?: string[];
  notificationsGranted?: string[];
  /** The granting exchange; null when it happened before the capture started. */
  grant: { call: MessageRef; reply: MessageRef } | null;
  events: ExpectedDelegationEvent[];
  recall: ExpectedRecall | null;
  /** How the delegation ended in the capture. */
  end:
    | { kind: 'returned'; call: MessageRef; reply: MessageRef | null }
    | { kind: 'revoked'; evidence: MessageRef }
    | { kind: 'open' };
  /** Changes made in the directory by other clients while the delegation was held. */
  changes: ExpectedDirChange[];
  /** True when every change was notified or covered by a recall. */
  notificationsComplete: boolean;
  /** recall: the holder sent DELEGRETURN before answering the CB_RECALL. */
  returnRacedRecall?: boolean;
  /** Problem kinds the correlator should report for this delegation (its ProblemKind names). */
  problems: string[];
}

/** A delegation that was asked for and refused (GDD4_UNAVAIL, NONE delegation). */
export interface ExpectedRefusal {
  client: string;
  fh: string;
  call: MessageRef;
  reply: MessageRef;
  /** e.g. 'GDD4_UNAVAIL'. */
  reason: string;
}

export interface ExpectedCapture {
  scenario: string;
  description: string;
  /** Total frames in the file. */
  frames: number;
  /** TCP connections by label, with endpoints. */
  connections: Array<{ label: string; client: string; server: string; handshakeCaptured: boolean }>;
  /** Sessions: client label -> sessionid hex, clientid (decimal string). */
  sessions: Array<{ client: string; sessionid: string; clientid: string; backChannel: boolean; cbProgram: number }>;
  messages: ExpectedMessage[];
  delegations: ExpectedDelegation[];
  refusals: ExpectedRefusal[];
  /** Frames tshark flags on purpose (retransmissions), if any. */
  intendedTcpAnalysisFrames: number[];
}

/**
 * The correlator's output model: delegation lives (events, recall causes, problems),
 * clients, sessions and statistics. Plain data; JSON builders live in json.ts.
 * Times are capture times in seconds since the epoch (float); frames are capture frame numbers.
 */

export type DelegationKind = 'directory' | 'read' | 'write' | 'unknown';

export type DelegationState = 'active' | 'recalled' | 'returned' | 'revoked' | 'freed' | 'unavailable';

/** A frame and its time. */
export interface FrameRef {
  frame: number;
  time: number;
}

/** The reply side of an event made from a call. */
export interface ReplyRef extends FrameRef {
  status: string;
}

/** One change carried by a CB_NOTIFY (one notify4 bit). */
export interface NotifyEntry {
  type: string;
  /** Entry name (ADD/REMOVE/CHANGE_CHILD_ATTRS: the entry; RENAME: the old name). */
  name?: string;
  /** RENAME: the new name. */
  newName?: string;
  cookie?: number | string;
  prevName?: string;
  lastEntry?: boolean;
  /** ADD replacing an entry (nad_old_entry). */
  replacedName?: string;
  /** notify_verifier4 */
  oldCookieverf?: string;
  newCookieverf?: string;
  /** Attribute names carried (ne_attrs). */
  attrs?: string[];
  /** Frames of the mutation this entry was matched to, and the latency from its reply. */
  mutation?: { op: string; client: string; callFrame: number; replyFrame?: number; latency?: number };
}

/** A call seen on the fore channel, as a recall cause or conflict. */
export interface CallRef {
  op: string;
  client: string;
  callFrame: number;
  callTime: number;
  replyFrame?: number;
  status?: string;
  xid: number;
}

export type RecallCause =
  | {
      kind: 'conflict';
      /** How the call was found. */
      via: 'referring-call' | 'in-flight' | 'recent';
      call: CallRef;
      /** NFS4ERR_DELAY replies the conflicting client got on this object while the recall was
       *  outstanding (the first 32). */
      delayed: CallRef[];
      /** Further NFS4ERR_DELAY replies, counted. */
      delayedMore?: number;
      /** The conflicting client's later call on this object that succeeded. */
      retry?: CallRef;
    }
  | {
      kind: 'overflow';
      /** Frames of the CB_NOTIFY calls to this delegation within the window before the recall. */
      notifyFrames: number[];
      notifyCalls: number;
      entries: number;
      window: number;
      /** Changes by other clients not yet notified when the recall was sent (the queue that overflowed). */
      unnotified: Array<{ op: string; client: string; callFrame: number; name?: string; newName?: string }>;
    }
  | { kind: 'unknown'; note: string };

interface EventBase extends FrameRef {
  xid?: number;
}

export type DelegationEvent =
  | (EventBase & {
      kind: 'granted';
      op: 'OPEN' | 'GET_DIR_DELEGATION' | 'WANT_DELEGATION' | 'CB_PUSH_DELEG';
      callFrame?: number;
      client: string;
      recall?: boolean;
      notificationTypes?: string[];
      childAttributes?: string[];
      dirAttributes?: string[];
      requestedNotificationTypes?: string[];
      cookieverf?: string;
    })
  | (EventBase & { kind: 'unavailable'; callFrame?: number; client: string; willSignal?: boolean; requestedNotificationTypes?: string[] })
  | (EventBase & { kind: 'notified'; fh?: string; entries: NotifyEntry[]; reply?: ReplyRef })
  | (EventBase & { kind: 'recalled'; truncate?: boolean; fh?: string; reply?: ReplyRef; cause: RecallCause; racedWithReturn?: boolean })
  | (EventBase & { kind: 'recall-any'; objectsToKeep?: number; typeMask: string[]; reply?: ReplyRef })
  | (EventBase & { kind: 'returned'; reply?: ReplyRef; afterRecall?: number })
  | (EventBase & { kind: 'revoked'; reason: string; op?: string; certain: boolean })
  | (EventBase & { kind: 'freed'; reply?: ReplyRef })
  | (EventBase & { kind: 'tested'; status: string })
  | (EventBase & { kind: 'opened-under'; claim: string; reply?: ReplyRef })
  | (EventBase & { kind: 'cb-getattr'; reply?: ReplyRef });

export type DelegationEventKind = DelegationEvent['kind'];

export type ProblemKind =
  | 'first-seen-late' // no grant seen: capture started after it (informational)
  | 'notify-after-return'
  | 'recall-after-return'
  | 'return-of-unknown'
  | 'recall-unanswered'
  | 'recall-error'
  | 'notify-error'
  | 'notify-unanswered'
  | 'fh-mismatch'
  | 'missed-notification'
  | 'unrecalled-change'
  | 'unmatched-notification'
  | 'view-divergence'
  | 'return-failed'
  | 'duplicate-grant'
  | 'tracking-evicted'
  | 'events-truncated';

export interface Problem {
  kind: ProblemKind;
  frame?: number;
  message: string;
}

export interface StateidRef {
  seqid: number;
  other: string;
}

export interface DelegationRecord {
  /** Sequence number in the order delegations were first seen. */
  id: number;
  /** Undefined for an 'unavailable' directory entry (no delegation granted). */
  stateid?: StateidRef;
  kind: DelegationKind;
  state: DelegationState;
  fh?: string;
  /** Snooped name (path when parents are known). */
  name?: string;
  /** Client key of the holder ("0x<clientid>", or "addr:<ip:port>" when no client id is known). */
  holder?: string;
  holderAddress?: string;
  firstFrame: number;
  firstTime: number;
  lastTime: number;
  /** How the delegation was first seen ('granted' unless the capture started later). */
  firstSeenAs: DelegationEventKind;
  events: DelegationEvent[];
  problems: Problem[];
  /** Events not kept because of the per-delegation cap. */
  eventsDropped: number;
  /** Notifications the server announced (gddr_notification names), directory delegations. */
  notificationTypes?: string[];
  /** CB_NOTIFY calls received, and notified changes (entries). */
  notifications: number;
  notifiedChanges: number;
  /** Seconds from the (first) recall to the DELEGRETURN call, and from the grant to the return. */
  recallToReturn?: number;
  lifetime?: number;
}

export interface ClientRecord {
  key: string;
  clientid?: string;
  owner?: string;
  addresses: string[];
  minorversion?: number;
  sessions: string[];
  firstFrame: number;
  /** Client-wide events (CB_RECALL_ANY, RECALLABLE_STATE_REVOKED flag, DESTROY_CLIENTID). */
  events: Array<{ kind: string; frame: number; time: number; detail?: string }>;
}

export interface SessionRecord {
  sessionid: string;
  client?: string;
  cbProgram?: number;
  flags?: number;
  /** Connection ids bound, with direction ('fore' | 'back' | 'both'). */
  connections: Array<{ conn: number; dir: string }>;
  firstFrame: number;
  destroyedFrame?: number;
}

/** Response-time / value distribution summary (histogram based, bounded memory). */
export interface DistSummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

export interface OpStatRow extends DistSummary {
  name: string;
  /** Calls answered with a non-OK status for this op. */
  errors: number;
  /** Calls never answered (within the capture). */
  unanswered: number;
}

export interface ClientStats {
  client: string;
  calls: number;
  ops: OpStatRow[];
  delegationsGranted: number;
  recalls: number;
  returns: number;
  notifications: number;
}

export interface StatsReport {
  firstTime?: number;
  lastTime?: number;
  messages: number;
  /** Per NFSv4 operation (fore channel): SRT of the COMPOUND that carried it. */
  ops: OpStatRow[];
  /** Per callback operation. */
  cbOps: OpStatRow[];
  /** Per procedure: COMPOUND, CB_COMPOUND, NULL, CB_NULL. */
  procedures: OpStatRow[];
  delegations: {
    seen: number;
    byKind: Record<string, number>;
    granted: number;
    recalled: number;
    returned: number;
    revoked: number;
    unavailable: number;
    /** Grant (or first sighting) to return, seconds. */
    lifetime: DistSummary;
    /** CB_NOTIFY calls per finished delegation. */
    notificationsPerDelegation: DistSummary;
    /** CB_RECALL call to DELEGRETURN call, seconds. */
    recallToReturn: DistSummary;
    /** Mutation reply to CB_NOTIFY call, seconds. */
    notifyLatency: DistSummary;
    recallCauses: Record<string, number>;
    problems: Record<string, number>;
    /** Delegation records dropped from memory (retained-record cap); still counted above. */
    evicted: number;
  };
  clients: ClientStats[];
  /** Internal bounded tables that had to drop entries (pending calls ...), by reason. */
  drops: Array<[string, number]>;
}

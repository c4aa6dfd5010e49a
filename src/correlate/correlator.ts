/**
 * The correlation engine: learns clients, sessions, filehandle names and delegations from
 * NFSv4 traffic, one RPC message at a time in capture order, and builds each delegation's
 * life (grant, notifications, recall with its cause, return, revocation), notification
 * completeness per directory delegation, and response-time statistics.
 *
 * Incremental and bounded: every table is capped (LRU or ring), finished delegations are
 * retired after `retireAfter` seconds of capture time and only the newest
 * `maxRetainedDelegations` are kept (`onRetire` streams every one out).
 */
import type { RpcMessage } from '../rpc/types.js';
import type { NfsCompound, NfsOp } from '../../dissectors/nfs4/types.js';
import { fnv32, hexOf, hexOfHashed } from './hex-cache.js';
import { attrMaskNames, bitmapBits } from '../../dissectors/nfs4/names.js';
import { DropCounter } from '../stats.js';
import { Histogram, OpStatsTable, StatsBudget, type OpStats } from './histogram.js';
import { LruMap } from './lru.js';
import { NameTable, NO_ENTRY } from './name-table.js';
import { PendingTable } from './pending-table.js';
import { RecentCalls } from './recent-calls.js';
import type {
  CallRef, ClientRecord, ClientStats, DelegationEvent, DelegationKind, DelegationRecord, NotifyEntry,
  OpStatRow, ProblemKind, RecallCause, ReplyRef, SessionRecord, StatsReport,
} from './types.js';
import { CompoundWalker, openClaimName, parentKeyOf, slotId, type FhSlot, type WalkStep } from './walk.js';
import { cookieValue, entryFits, first, notifyEntryOf, type ChangeView } from './notify-entries.js';
import {
  asObj, bitmapField, boolField, bytesField, bytesValue, enumValue, numberValue, enumField, field, findStateids, maskHasBit, nameOf, notifyMaskNames,
  numField, path, stateidField, isStateid, lookupName, objectValue, type Obj, putfhObject, sequenceSeqId, sequenceSessionId, sequenceSlotId, sequenceStatusFlags, stateidKey, u64Hex, u64Number,
  NOTIFY4_ADD_ENTRY, NOTIFY4_CHANGE_CHILD_ATTRS, NOTIFY4_CHANGE_DIR_ATTRS, NOTIFY4_REMOVE_ENTRY, NOTIFY4_RENAME_ENTRY,
  SEQ4_STATUS_RECALLABLE_STATE_REVOKED, type StateidValue,
} from './wire-views.js';
import { detachCompound } from './detach.js';

/**
 * A call waiting for its reply is kept as a detached copy (see detach.ts) once this many are
 * waiting, or when its record is larger than DETACH_RECORD_BYTES: up to maxPendingCalls calls
 * otherwise kept one 256 KiB read buffer (or their megabyte record) alive each.
 */
const DETACH_WHEN_PENDING = 256;
const DETACH_RECORD_BYTES = 64 * 1024;

export interface CorrelatorOptions {
  /** Delegations tracked at once (oldest evicted beyond it, with a problem recorded). Default 20000. */
  maxActiveDelegations?: number;
  /** Finished delegations kept for delegations() (newest). Default 10000. */
  maxRetainedDelegations?: number;
  /** Seconds of capture time a returned/revoked/freed delegation stays tracked (late events). Default 60. */
  retireAfter?: number;
  /** Events kept per delegation. Default 2000. */
  maxEventsPerDelegation?: number;
  /** Events kept over all records (an event weighs 1, a notification 1 + its entries, more
   *  for long names: see eventWeight); beyond it events are counted, not kept (a delegation's
   *  first 8 other than notifications are kept anyway). Default 200000. */
  maxStoredEvents?: number;
  /** A recall without DELEGRETURN after this many seconds is flagged. Default 60. */
  recallTimeout?: number;
  /** Completed calls this many seconds before a recall are cause candidates. Default 2. */
  conflictWindow?: number;
  /** Window (s) and minimum count of notify entries before a recall for cause 'overflow'. Defaults 0.5 and 3. */
  overflowWindow?: number;
  overflowMinEntries?: number;
  /** Seconds after a recall during which the conflicting client's DELAY replies and retry are collected. Default 30. */
  causeTrackWindow?: number;
  /** A change to a delegated directory not notified within this many seconds is reported missed. Default 30. */
  notifyTimeout?: number;
  maxPendingCalls?: number;
  /** A call unanswered this many seconds (capture time) is given up (its decoded arguments keep
   *  the capture's read buffer alive). Default 120. */
  pendingTimeout?: number;
  maxRecentCalls?: number;
  maxNames?: number;
  maxClients?: number;
  /** Called once per delegation when it leaves memory (retired, evicted, or at finish()). */
  onRetire?: (d: DelegationRecord) => void;
  /** Keep the newest `maxRetainedDelegations` finished records for delegations() (default
   *  true). Without them (statistics only) just their stored-event weights are kept, so the
   *  event budget, the evicted count and everything in stats() come out the same. */
  keepRecords?: boolean;
}

/** The call side of a reply, when the caller has it (an alternative to the internal table). */
export interface CallContext {
  msg: RpcMessage;
  nfs?: NfsCompound;
}

type MutationKind = 'create' | 'open-create' | 'remove' | 'rename' | 'link' | 'setattr' | 'write' | 'open-write';

/** Every field is always present (undefined when not known): one object shape (see mutation()). */
interface Mutation {
  kind: MutationKind;
  /** Delegations (ids) a notification was matched to this change without an expectation. */
  lateMatches: number[] | undefined;
  op: string;
  opIndex: number;
  dir: string | undefined;
  name: string | undefined;
  toDir: string | undefined;
  newName: string | undefined;
  obj: string | undefined;
}

function mutation(kind: MutationKind, op: string, opIndex: number, dir: string | undefined, name: string | undefined,
  obj: string | undefined, toDir: string | undefined = undefined, newName: string | undefined = undefined): Mutation {
  return { kind, lateMatches: undefined, op, opIndex, dir, name, toDir, newName, obj };
}

/** A fore-channel call remembered for cause finding and notification matching. */
/** Pending-call key: a number for the usual connection ids (fast Map key), else a string. */
type CallKey = number | string;

interface ForeCall {
  key: CallKey;
  /** The xid as a signed 32-bit integer (callRef gives it back unsigned): a small integer
   *  stays in the object, where an xid above 2^31 took a boxed number per call. */
  xid: number;
  client: string;
  op: string;
  callFrame: number;
  callTime: number;
  replyFrame: number | undefined;
  replyTime: number | undefined;
  status: string | undefined;
  /** The server (IP) the call went to: its filehandles mean something only there. */
  server: string;
  /** Objects (filehandle hex or name-path keys) the call touches (see touches()): the first
   *  in a field, any others in an array. Most calls touch one or two, and remembered calls
   *  outlive several young-generation collections (their bytes are copied and promoted):
   *  no array for the first, and no Set at all (a Set per call cost more than everything
   *  else done for most calls). */
  touched0: string | undefined;
  touchedMore: string[];
  /** The SEQUENCE slot the call used (session hex, slot, sequence id), to find it as a
   *  referring call of a CB_SEQUENCE. */
  sid: string | undefined;
  slot: number;
  seq: number;
  /** In this.inFlight (call seen, reply not yet). */
  flying: boolean;
  /** Position in the recent ring (-1 before it is remembered), and its ticket there (see
   *  RecentCalls.holds: the position is reused once maxRecentCalls more are remembered). */
  ringIdx: number;
  ringSeq: number;
  mutations: Mutation[];
  /** The expectations this call's changes gave rise to (each shared by every holder). */
  expectations: Expectation[];
  /** Only in a call made from packed ring columns (see ringCall): the holders its expectations
   *  asked to be notified of its change (what notifiedOf reads from `expectations` otherwise). */
  notified: Deleg | Deleg[] | undefined;
}

/** What a holder must get for a change: a notification of a kind, or (a change it did not ask to be told of) a recall. */
type ExpType = 'add' | 'remove' | 'rename' | 'child-attrs' | 'dir-attrs' | 'recall';

/**
 * One change to a delegated directory that the holders of delegations on it must hear of. One
 * object per change, shared by all of the directory's delegations (a directory can have
 * thousands of holders: an object per holder and change made memory and GC grow with their
 * product). What differs per holder lives in `members` / `state` at the same position, and
 * each delegation lists (expectation, position) pairs in its own order.
 */
interface Expectation {
  call: ForeCall;
  mutation: Mutation;
  /** What a holder who asked for this kind of notification must get (the others: a recall). */
  type: Exclude<ExpType, 'recall'>;
  name?: string;
  newName?: string;
  confirmed: boolean;
  /** The change did not happen (its op failed, or an OPEN found the file): nobody expects anything. */
  failed: boolean;
  /** Judged for every member once it timed out (sweep). */
  settled: boolean;
  /** Filled from position 0; `count` are used (the arrays may be longer). */
  members: Deleg[];
  /** Members whose state has EXP_GONE: at `count`, nobody waits for this change any more. */
  gone: number;
  /** Per member: EXP_RECALL, EXP_ADD_DONE, EXP_REMOVE_DONE, EXP_GONE flags. */
  state: number[];
  count: number;
  /** Per member position: notify entries matched before the call's reply, with the time of
   *  their CB_NOTIFY (latency filled in at the reply). */
  matched?: Map<number, Array<{ entry: NotifyEntry; time: number }>>;
  /** Problem texts, built once for all members (the call's reply frame is known by then). */
  missedText?: string;
  unrecalledText?: string;
}

/** Expectation.state flags. */
/** Finished delegation records kept for delegations() unless told otherwise. */
export const DEFAULT_MAX_RETAINED_DELEGATIONS = 10_000;

/**
 * Stored-event weight kept over all records (see eventWeight). A notified entry holds about
 * 300 bytes: 2,000,000 of them (the earlier default) took `deleg` out of its 256 MB heap on
 * a capture of 400,000 notified changes; this keeps them to some 60-100 MB.
 */
export const DEFAULT_MAX_STORED_EVENTS = 200_000;

/** Events other than notifications a delegation keeps even when the stored-event budget is
 *  spent (20,000 tracked and 10,000 retained records: some 40 MB at most). */
const ALWAYS_KEPT_EVENTS = 8;
/** Problems a delegation keeps: at most, and even when the stored-event budget is spent. */
const MAX_PROBLEMS_KEPT = 200;
const ALWAYS_KEPT_PROBLEMS = 4;

/** What a kept problem weighs against maxStoredEvents (its message is most of it). */
function problemWeight(message: string): number {
  return 1 + (message.length >>> 8);
}

/** What an event weighs against maxStoredEvents: 1, and for a notification 1 per entry plus
 *  1 per 256 characters of the entry's names (names are up to MAX_NAME_CHARS long). */
function eventWeight(e: DelegationEvent): number {
  if (e.kind !== 'notified') return 1;
  let w = 1;
  for (const x of e.entries) {
    const chars = (x.name?.length ?? 0) + (x.newName?.length ?? 0) + (x.prevName?.length ?? 0) + (x.replacedName?.length ?? 0);
    w += 1 + (chars >>> 8);
  }
  return w;
}

const EXP_RECALL = 1;
const EXP_ADD_DONE = 2;
const EXP_REMOVE_DONE = 4;
/** No longer in this member's list: matched, judged (oldest beyond the cap, or at the end). */
const EXP_GONE = 8;

function expAlive(x: Expectation, slot: number): boolean {
  return !x.failed && !x.settled && (x.state[slot] & EXP_GONE) === 0;
}

interface CauseTracker {
  deleg: Deleg;
  cause: Extract<RecallCause, { kind: 'conflict' }>;
  client: string;
  /** The recalled delegation's server: `objects` are its filehandles. */
  server: string;
  objects: Set<string>;
  originalKey: CallKey;
  until: number;
}

interface PendingEvent {
  opIndex: number;
  deleg: Deleg;
  event: DelegationEvent;
}

interface Pending {
  key: CallKey;
  /** The caller's address (all the reply needs of the call's RpcMessage: keeping the message
   *  kept its header, credentials and record alive until the reply, often into the old
   *  generation). */
  src: string;
  nfs?: NfsCompound;
  time: number;
  frame: number;
  fore: ForeCall | undefined;
  client: string | undefined;
  /** The compound's ops were counted in the per-op tables (answers are added at the reply). */
  counted: boolean;
  /** The procedure's statistics row (rows are never removed). */
  proc: OpStats;
  /** The caller's client entry as of clients.version `csVersion` (valid while the table is unchanged). */
  cs: ClientState | undefined;
  csVersion: number;
  events: PendingEvent[];
  /** A compound that cannot touch delegation state (plain I/O on undelegated objects): only
   *  statistics, identity, the SEQUENCE flags and revocation errors are looked at. */
  slim: boolean;
  /** A slim compound that names objects (LOOKUP, GETFH, READDIR): names are learned from its
   *  reply, and a READDIR reply still feeds the listing of a directory delegated meanwhile. */
  learnNames: boolean;
  /** What its decoded compound counts in pendingBytes (0: none kept, see keepOrStrip). */
  bytes: number;
  /** A CB_COMPOUND (known even when its decoded compound was not kept). */
  cb: boolean;
}

interface WeightBox {
  weight: number;
}

interface ClientState {
  rec: ClientRecord;
  revokedFlag: boolean;
  stats: OpStatsTable;
  calls: number;
  granted: number;
  recalls: number;
  returns: number;
  notifications: number;
  /** The address last checked against rec.addresses. */
  lastAddress: string | undefined;
}

interface DirView {
  names: Map<string, number | string | undefined>;
  complete: boolean;
  truncated: boolean;
  cookieverf?: string;
}

class Deleg {
  notifyMask?: number[];
  recallAt?: number;
  recallFlagged = false;
  returnCallAt?: number;
  returnedAt?: number;
  terminalAt?: number;
  notifyCalls = 0;
  /** Shared empty arrays until the first push (most delegations never get a notification
   *  or an expectation, and every delegation object lives long enough to be promoted). */
  recentNotifies: RecentNotify[] = NO_RECENT_NOTIFIES;
  /** This delegation's expectations, oldest first, with its position in each (entries no
   *  longer alive are skipped and compacted away now and then); `expLive` counts the alive. */
  exps: Expectation[] = NO_EXPS;
  expSlots: number[] = NO_EXP_SLOTS;
  expLive = 0;
  /** Entries before this index are no longer alive (the oldest are judged first at the cap). */
  expHead = 0;
  view?: DirView;
  retired = false;
  /** finalize() ran (its verdicts are given once). */
  finalized = false;
  /** Its stateid's `other` (hex) as indexed in Correlator.byStateid (undefined: none). */
  stateOther: string | undefined = undefined;
  /** Stored-event weight once retired without its record kept (keepRecords false). */
  weightBox?: WeightBox;
  /** Problems counted as kept when the record does not keep them (as storedEvents). */
  storedProblems = 0;
  /** Events counted as stored, and their weight, when the record does not keep them (see
   *  Correlator.keepEvents). */
  storedEvents = 0;
  storedWeight = 0;
  /** `server` is the IP that granted it: its filehandle means something only there. `key`:
   *  its key in Correlator.unavailable (GDD4_UNAVAIL entries, which have no stateid), else undefined. */
  constructor(readonly key: string | undefined, readonly rec: DelegationRecord, readonly server: string) {}
}

interface RecentNotify {
  frame: number;
  time: number;
  entries: number;
}

/** Deleg.recentNotifies / exps / expSlots until the first push (shared, never pushed to). */
const NO_RECENT_NOTIFIES: RecentNotify[] = [];
const NO_EXPS: Expectation[] = [];
const NO_EXP_SLOTS: number[] = [];
/** DelegationRecord.events / problems of records nobody reads (see Correlator.keepEvents):
 *  they only count, so they share these (never pushed to). */
const NO_RECORD_EVENTS: DelegationEvent[] = [];
const NO_RECORD_PROBLEMS: DelegationRecord['problems'] = [];

/**
 * The filehandle-keyed delegation index of one server. Filehandles are only unique per
 * server (two servers, or replayed copies of one, can hand out the same bytes): a change on
 * one server's directory concerns only the delegations that server granted.
 */
class ServerFhIndex {
  /** One delegation as is (the usual case: a Set per filehandle was most of an entry's
   *  weight, and entries live as long as their delegations), a Set from the second on. */
  readonly byFh = new Map<string, Deleg | Set<Deleg>>();
  /** Indexed filehandles whose delegations have all ended, as of fhGen = notHeldGen. */
  readonly notHeld = new Set<string>();
  notHeldGen = -1;
}

/** Ops that create, change, end or name state or objects the correlator follows. */
const RELEVANT_OPS = new Set([
  'OPEN', 'CREATE', 'REMOVE', 'RENAME', 'LINK', 'SETATTR', 'DELEGRETURN', 'DELEGPURGE', 'GET_DIR_DELEGATION',
  'WANT_DELEGATION', 'FREE_STATEID', 'TEST_STATEID', 'EXCHANGE_ID', 'CREATE_SESSION', 'BIND_CONN_TO_SESSION',
  'DESTROY_SESSION', 'DESTROY_CLIENTID', 'SETCLIENTID', 'SETCLIENTID_CONFIRM', 'LOOKUP', 'GETFH', 'READDIR',
]);

/** classify() answers. */
const FULL = 0;
const SLIM = 1;
const SLIM_LEARN = 2;

const REVOCATION_STATUSES = new Set(['NFS4ERR_DELEG_REVOKED', 'NFS4ERR_BAD_STATEID', 'NFS4ERR_ADMIN_REVOKED', 'NFS4ERR_EXPIRED']);
const MAX_EXPECTATIONS = 256;
/**
 * Holders waiting to be told of changes, over all changes not yet judged (each change lists
 * every holder of its directory until notifyTimeout): beyond, new changes are not followed.
 * 4000 holders of one directory and 3000 REMOVEs in it (a 10 MB capture) took `deleg` out of
 * its heap.
 */
const MAX_OPEN_EXPECTATION_SLOTS = 1 << 20;
/** Record bytes (not counting opaque data only viewed) behind the decoded compounds of all
 *  calls waiting for their reply (see keepOrStrip): decoded, small ops take some 15 times
 *  their bytes (GETATTRs: 280 MB for 19 MB), so at most some 60 MB. Hundreds of ordinary
 *  calls in flight take tens of kilobytes. */
const MAX_PENDING_BYTES = 4 << 20;
const MAX_VIEW_NAMES = 2048;
/**
 * Per-client statistics: rows per client (ops beyond share an "other" row), rows and histogram
 * counters over all clients (some 8 + 16 MB; beyond, rows go to "other" and percentiles are
 * not kept), and events per client. 500 clients each answered in 1000 kinds of op took
 * `stats` out of its heap.
 */
const MAX_CLIENT_STATS_ROWS = 64;
const MAX_CLIENT_STATS_ROWS_TOTAL = 65_536;
const MAX_CLIENT_STATS_COUNTERS = 4 << 20;
const MAX_CLIENT_EVENTS = 64;
/** Holders' listings kept (LRU): with MAX_VIEW_NAMES names of up to MAX_NAME_CHARS each, at
 *  most some 40 MB. */
const MAX_VIEWS = 64;
/** Notify entries kept from one CB_NOTIFY (the rest are counted). */
const MAX_ENTRIES_PER_NOTIFY = 4096;
const MAX_TRACKERS = 10_000;
/** Trackers of one conflicting client (each of its replies is checked against them). */
const MAX_TRACKERS_PER_CLIENT = 256;
const MAX_RECENT_NOTIFIES = 32;

function timeOf(msg: RpcMessage): number {
  return msg.record.sec + msg.record.nsec / 1e9;
}

/** The last two addresses ipOf() was asked about (a call's and its reply's): no new string each time. */
let ipMemoAddr0 = '';
let ipMemoIp0 = '';
let ipMemoAddr1 = '';
let ipMemoIp1 = '';

/** IPs of addresses seen lately (only a cache, emptied when large): the same string for the
 *  same server, so the tables keyed by server (names, delegations by filehandle) find its
 *  hash computed and entries share it, where a fresh slice per lookup was hashed each time
 *  and kept by every entry made with it. */
const ipCache = new Map<string, string>();

function ipOf(addr: string): string {
  if (addr === ipMemoAddr0) return ipMemoIp0;
  if (addr === ipMemoAddr1) return ipMemoIp1;
  let ip = ipCache.get(addr);
  if (ip === undefined) {
    ip = ipOfUncached(addr);
    if (ipCache.size >= 4096) ipCache.clear();
    ipCache.set(addr, ip);
  }
  ipMemoAddr1 = ipMemoAddr0;
  ipMemoIp1 = ipMemoIp0;
  ipMemoAddr0 = addr;
  ipMemoIp0 = ip;
  return ip;
}

function ipOfUncached(addr: string): string {
  if (addr.startsWith('[')) {
    const end = addr.indexOf(']');
    return end > 0 ? addr.slice(1, end) : addr;
  }
  const c = addr.lastIndexOf(':');
  return c > 0 && addr.indexOf(':') === c ? addr.slice(0, c) : addr;
}

function otherDir(d: 'ab' | 'ba'): 'ab' | 'ba' {
  return d === 'ab' ? 'ba' : 'ab';
}

export class Correlator {
  private readonly opt: Required<Omit<CorrelatorOptions, 'onRetire'>> & Pick<CorrelatorOptions, 'onRetire'>;
  /** With keepRecords false: the stored-event weights of the records that would be retained
   *  (same ring positions as `retained`), growing while their delegations still get events. */
  private readonly retainedWeights: WeightBox[] = [];
  private readonly drops = new DropCounter();
  /** Calls waiting for their reply. A plain Map (insertion order = call order): the oldest is
   *  dropped when it is full, which only happens when many calls go unanswered. */
  private readonly pending = new PendingTable<Pending>();
  /** Calls in flight, in call order. An array with lazy removal (a Set added to and deleted
   *  from once per call kept shrinking and rehashing): answered calls are flagged and dropped
   *  at the front or when the array is compacted. */
  private readonly inFlight: ForeCall[] = [];
  /** Used positions of inFlight (the array is reused, never truncated: a truncated array gives
   *  its storage back and the next push allocates it again, and it empties whenever no call is
   *  in flight); positions from here on hold INERT_CALL. */
  private inFlightLen = 0;
  private inFlightLive = 0;
  /** The calls that went through the full analysis, newest maxRecentCalls, as packed columns
   *  (the object too while in flight or while the columns cannot say all of it, see
   *  packChanges and recent-calls.ts). The
   *  scans for recall causes and late notifications read call and reply times first and look
   *  at a call only within their time window. */
  private readonly recent: RecentCalls<ForeCall, MutationKind, Deleg>;
  /** Names of filehandles and of directory entries, per server (see name-table.ts). */
  private readonly names: NameTable;
  private readonly sessions: LruMap<string, SessionRecord>;
  private readonly clients: LruMap<string, ClientState>;
  /** The last 4.0 client id seen on a connection's client side (key: connSide()). */
  private readonly connClient: LruMap<number, string>;
  private readonly cbIdentClient: LruMap<string, string>;
  /** Tracked delegations, in first-seen order (a Set: no `server|other` key string built,
   *  flattened and hashed per delegation). */
  private readonly delegs = new Set<Deleg>();
  /** GDD4_UNAVAIL entries (no stateid) by `unavail|server|client|fh`. */
  private readonly unavailable = new Map<string, Deleg>();
  /** The delegations of `delegs` that have a stateid, by server, then stateid `other` (hex):
   *  found at every grant, CB_RECALL, CB_NOTIFY and DELEGRETURN without building, flattening
   *  and hashing a `server|other` key each time. */
  private readonly byStateid = new Map<string, Map<string, Deleg>>();
  /** Delegations by server, then filehandle hex (see ServerFhIndex). */
  private readonly fhIndex = new Map<string, ServerFhIndex>();
  /** Filehandles indexed over all servers (0: no call can be on a delegated object). */
  private indexedFhs = 0;
  /** FNV-1a hashes of the filehandles indexed on any server (with counts): a cheap first test
   *  on PUTFH bytes before the per-server lookup. */
  private readonly fhHashes = new Map<number, number>();
  private readonly byClient = new Map<string, Set<Deleg>>();
  private readonly recalled = new Set<Deleg>();
  /** Expectations not yet timed out, in creation order (sweep judges them). */
  private openExps: Expectation[] = [];
  /** What the decoded compounds of waiting calls count (see keepOrStrip). */
  private pendingBytes = 0;
  /** Members of all open expectations (see MAX_OPEN_EXPECTATION_SLOTS). */
  private openExpSlots = 0;
  private terminalQueue: Deleg[] = [];
  private readonly retained: DelegationRecord[] = [];
  private retainedHead = 0;
  private trackers: CauseTracker[] = [];
  private nextId = 1;
  /** Events (a notification counts 1 + its entries) held by tracked and retained records. */
  private storedWeight = 0;
  private nextSweep = -Infinity;
  private firstTime: number | undefined;
  private lastTime: number | undefined;
  private messages = 0;
  private finished = false;
  // statistics
  private readonly opStats = new OpStatsTable();
  private readonly cbOpStats = new OpStatsTable();
  private readonly procStats = new OpStatsTable();
  /** Shared by the per-client statistics tables (see StatsBudget). */
  private readonly clientStatsBudget = new StatsBudget(MAX_CLIENT_STATS_ROWS_TOTAL, MAX_CLIENT_STATS_COUNTERS);
  private readonly lifetime = new Histogram();
  private readonly notifiesPerDeleg = new Histogram();
  private readonly recallToReturn = new Histogram();
  private readonly notifyLatency = new Histogram();
  private readonly counts = { seen: 0, granted: 0, recalled: 0, returned: 0, revoked: 0, unavailable: 0, evicted: 0 };
  private readonly byKind: Record<string, number> = {};
  private readonly causeCounts: Record<string, number> = {};
  private readonly problemCounts: Record<string, number> = {};
  /**
   * Do records keep their events and problems? Only if somebody may read them: delegations()
   * with keepRecords, or onRetire. Statistics only count them, so without a reader the
   * records just count what they would hold (the same budgets and truncation apply): a
   * delegation's events (notifications with their entries, causes, replies) were most of
   * what a long-lived one weighed.
   */
  private readonly keepEvents: boolean;

  constructor(options: CorrelatorOptions = {}) {
    this.opt = {
      maxActiveDelegations: options.maxActiveDelegations ?? 20_000,
      maxRetainedDelegations: options.maxRetainedDelegations ?? DEFAULT_MAX_RETAINED_DELEGATIONS,
      retireAfter: options.retireAfter ?? 60,
      maxEventsPerDelegation: options.maxEventsPerDelegation ?? 2000,
      maxStoredEvents: options.maxStoredEvents ?? DEFAULT_MAX_STORED_EVENTS,
      recallTimeout: options.recallTimeout ?? 60,
      conflictWindow: options.conflictWindow ?? 2,
      overflowWindow: options.overflowWindow ?? 0.5,
      overflowMinEntries: options.overflowMinEntries ?? 3,
      causeTrackWindow: options.causeTrackWindow ?? 30,
      notifyTimeout: options.notifyTimeout ?? 30,
      maxPendingCalls: options.maxPendingCalls ?? 65_536,
      pendingTimeout: options.pendingTimeout ?? 120,
      maxRecentCalls: options.maxRecentCalls ?? 4096,
      maxNames: options.maxNames ?? 200_000,
      maxClients: options.maxClients ?? 10_000,
      onRetire: options.onRetire,
      keepRecords: options.keepRecords ?? true,
    };
    this.keepEvents = this.opt.keepRecords || this.opt.onRetire !== undefined;
    this.names = new NameTable(this.opt.maxNames);
    this.recent = new RecentCalls<ForeCall, MutationKind, Deleg>(this.opt.maxRecentCalls);
    this.sessions = new LruMap(this.opt.maxClients * 4);
    this.clients = new LruMap(this.opt.maxClients);
    this.connClient = new LruMap(this.opt.maxClients * 4);
    this.cbIdentClient = new LruMap(this.opt.maxClients * 4);
  }

  // ------------------------------------------------------------------------------ input

  /**
   * Feeds one RPC message (call or reply) in capture order. `nfs` is its decoded NFSv4 body
   * (undefined when not NFS or not decodable). For a reply, `call` may carry the matched call
   * when the caller has it; otherwise the correlator uses the call it saw itself, keyed by
   * (connection, call direction, xid). `viewBytes`: bytes of the record that `nfs` only views
   * (the engine's AnalyzedMessage.viewBytes: WRITE data ...), not counted in what a waiting
   * call's decoded compound weighs.
   */
  onMessage(msg: RpcMessage, nfs: NfsCompound | undefined, call?: CallContext, viewBytes = 0): void {
    const t = timeOf(msg);
    this.messages++;
    if (this.firstTime === undefined) this.firstTime = t;
    if (this.lastTime === undefined || t > this.lastTime) this.lastTime = t;
    if (t >= this.nextSweep) {
      this.sweep(t);
      this.nextSweep = t + 1;
    }
    try {
      if (msg.type === 'call') this.onCall(msg, nfs, t, viewBytes);
      else this.onReply(msg, nfs, t, call);
    } catch (e) {
      // A decoded value of an unexpected shape must not stop the analysis of a capture.
      this.drops.add(`correlator error: ${(e as Error).message ?? String(e)}`);
    }
  }

  /** End of input: flags recalls never answered, notifications missed, calls never answered. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    for (const p of this.pending.values()) this.dropPending(p, undefined);
    for (const d of this.delegs.values()) {
      this.finalize(d, true);
      // Still listed by delegations(), but a streaming consumer gets every record once.
      this.opt.onRetire?.(d.rec);
    }
  }

  // ------------------------------------------------------------------------------ output

  /** Finished delegation records dropped from memory (beyond maxRetainedDelegations): not in
   *  delegations(), still counted in stats(). */
  get droppedRecords(): number {
    return this.counts.evicted;
  }

  /** Delegations seen (retained finished ones, then the ones still tracked), in first-seen order. */
  delegations(): DelegationRecord[] {
    const out: DelegationRecord[] = [];
    const n = this.retained.length;
    for (let i = 0; i < n; i++) out.push(this.retained[(this.retainedHead + i) % n]);
    for (const d of this.delegs.values()) {
      // a name learned after the grant (a LOOKUP by another client, a later GETFH)
      if (d.rec.name === undefined && d.rec.fh !== undefined) d.rec.name = this.pathOf(d.rec.fh, d.server);
      out.push(d.rec);
    }
    out.sort((a, b) => a.id - b.id);
    return out;
  }

  /** Time of the first message seen (seconds since the epoch): a base for relative times. */
  captureStart(): number | undefined {
    return this.firstTime;
  }

  clientList(): ClientRecord[] {
    return [...this.clients.values()].map((c) => c.rec);
  }

  sessionList(): SessionRecord[] {
    return [...this.sessions.values()];
  }

  stats(): StatsReport {
    const clients: ClientStats[] = [];
    for (const c of this.clients.values()) {
      clients.push({
        client: c.rec.key, calls: c.calls, ops: rows(c.stats), delegationsGranted: c.granted,
        recalls: c.recalls, returns: c.returns, notifications: c.notifications,
      });
    }
    const drops = new DropCounter();
    for (const [r, n] of this.drops.entries()) drops.add(r, n);
    if (this.names.namesEvicted > 0) drops.add('filehandle names evicted (LRU)', this.names.namesEvicted);
    return {
      firstTime: this.firstTime,
      lastTime: this.lastTime,
      messages: this.messages,
      ops: rows(this.opStats),
      cbOps: rows(this.cbOpStats),
      procedures: rows(this.procStats),
      delegations: {
        seen: this.counts.seen, byKind: { ...this.byKind }, granted: this.counts.granted,
        recalled: this.counts.recalled, returned: this.counts.returned, revoked: this.counts.revoked,
        unavailable: this.counts.unavailable,
        lifetime: this.lifetime.summary(), notificationsPerDelegation: this.notifiesPerDeleg.summary(),
        recallToReturn: this.recallToReturn.summary(), notifyLatency: this.notifyLatency.summary(),
        recallCauses: { ...this.causeCounts }, problems: { ...this.problemCounts }, evicted: this.counts.evicted,
      },
      clients,
      drops: drops.entries(),
    };
  }

  // ------------------------------------------------------------------------------ calls

  private callKey(msg: RpcMessage, callDir: 'ab' | 'ba'): CallKey {
    const id = msg.record.conn.id;
    if (id >= 0 && id < 0x100000) return id * 0x200000000 + (callDir === 'ab' ? 0 : 0x100000000) + (msg.xid >>> 0);
    return `${id}:${callDir}:${msg.xid}`;
  }

  private onCall(msg: RpcMessage, nfs: NfsCompound | undefined, t: number, viewBytes: number): void {
    const key = this.callKey(msg, msg.record.dir);
    if (msg.duplicate === true) {
      this.drops.add('retransmitted call (not re-analysed)');
      return;
    }
    const procName = procedureName(msg, nfs);
    const proc = this.procStats.get(procName);
    const p: Pending = {
      key, src: msg.src, nfs, time: t, frame: msg.record.frame, fore: undefined, client: undefined, counted: false, proc,
      cs: undefined, csVersion: -1, events: NO_EVENTS, slim: false, learnNames: false, bytes: 0, cb: nfs?.program === 'NFS_CB',
    };
    proc.calls++;
    if (nfs !== undefined && nfs.type === 'call' && nfs.procName === 'COMPOUND' && nfs.program === 'NFS') {
      this.onForeCall(p, msg, nfs, t);
    } else if (nfs !== undefined && nfs.type === 'call' && nfs.program === 'NFS_CB' && nfs.procName === 'CB_COMPOUND') {
      this.onCbCall(p, msg, nfs, t);
    }
    const replaced = this.pending.get(key);
    if (replaced !== undefined) this.pendingBytes -= replaced.bytes;
    else if (this.pending.size >= this.opt.maxPendingCalls) {
      const oldest = this.pending.oldest();
      if (oldest !== undefined) {
        this.removePending(oldest.key, oldest.value);
        this.dropPending(oldest.value, 'pending call dropped (table full)');
      }
    }
    if (p.nfs !== undefined) this.keepOrStrip(p, msg.record.bytes.length - viewBytes);
    // Many calls waiting (a capture of one direction) or a large record (WRITE data): the call
    // is kept as a copy, not as views that hold its record's read buffer until the reply.
    if (p.nfs !== undefined && (this.pending.size >= DETACH_WHEN_PENDING || msg.record.bytes.length > DETACH_RECORD_BYTES)) {
      p.nfs = detachCompound(p.nfs);
    }
    this.pending.set(key, p);
  }

  private onReply(msg: RpcMessage, nfs: NfsCompound | undefined, t: number, call?: CallContext): void {
    const key = this.callKey(msg, otherDir(msg.record.dir));
    let p = this.pending.get(key);
    if (p === undefined && call !== undefined && call.msg.xid === msg.xid) {
      this.onCall(call.msg, call.nfs, timeOf(call.msg), 0);
      p = this.pending.get(key);
    }
    if (p === undefined) {
      if (msg.duplicate === true) return;
      this.drops.add('reply without a call (orphan)');
      // A reply alone still shows grants (stateid, no filehandle) and session results.
      if (nfs !== undefined && nfs.program === 'NFS' && nfs.type === 'reply') {
        this.onForeReply(undefined, msg, nfs, t);
      }
      return;
    }
    this.removePending(key, p);
    const srt = msg.responseTime ?? t - p.time;
    const proc = p.proc;
    proc.answered++;
    proc.add(srt);
    if (nfs?.status !== undefined && nfs.status !== 'NFS4_OK') proc.errors++;
    if (p.counted && p.nfs !== undefined) {
      const table = p.nfs.program === 'NFS_CB' ? this.cbOpStats : this.opStats;
      const client = p.client === undefined ? undefined
        : p.cs !== undefined && p.csVersion === this.clients.version ? p.cs : this.clients.get(p.client);
      const ops = p.nfs.ops;
      const v = Number.isFinite(srt) && srt > 0 ? srt : 0;
      const bucket = Histogram.bucketOf(v);
      const perClient = client !== undefined && p.nfs.program === 'NFS' ? client.stats : undefined;
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i];
        const status = nfs?.ops[i]?.status;
        addAnswer(table.getByNum(op.opnum, op.op), v, bucket, status);
        if (perClient !== undefined) addAnswer(perClient.getByNum(op.opnum, op.op), v, bucket, status);
      }
    }
    if (p.fore !== undefined || (p.nfs?.program === 'NFS' && nfs?.program === 'NFS')) {
      this.onForeReply(p, msg, nfs, t);
    } else if (p.cb) {
      this.onCbReply(p, msg, nfs, t);
    }
  }

  /**
   * A waiting call keeps its decoded compound while all of them together are within
   * MAX_PENDING_BYTES (of the records they were decoded from); past it, this one keeps none:
   * its ops are taken out of the per-op tables again (only its procedure is timed), and its
   * reply is analysed without the call's arguments. 3000 calls never answered, of 4000 ops
   * each, took `deleg` out of its heap.
   */
  private keepOrStrip(p: Pending, decodedBytes: number): void {
    const nfs = p.nfs as NfsCompound;
    const bytes = Math.max(0, decodedBytes) + 64;
    if (this.pendingBytes + bytes <= MAX_PENDING_BYTES) {
      p.bytes = bytes;
      this.pendingBytes += bytes;
      return;
    }
    if (p.counted) {
      const table = p.cb ? this.cbOpStats : this.opStats;
      const perClient = p.cb ? undefined : p.cs?.stats;
      for (const op of nfs.ops) {
        table.getByNum(op.opnum, op.op).calls--;
        if (perClient !== undefined) perClient.getByNum(op.opnum, op.op).calls--;
      }
      p.counted = false;
    }
    p.nfs = undefined;
    p.learnNames = false;
    this.drops.add('calls waiting for replies past the memory budget (kept without their arguments; ops not timed)');
  }

  /** A waiting call leaves the table (answered, evicted or given up): its weight with it. */
  private removePending(key: CallKey, p: Pending): void {
    this.pending.delete(key);
    this.pendingBytes -= p.bytes;
  }

  /** A call that will never see its reply (evicted or capture ended). */
  private dropPending(p: Pending, reason: string | undefined): void {
    if (reason !== undefined) this.drops.add(reason);
    if (p.fore !== undefined) this.landed(p.fore);
    for (const pe of p.events) {
      if (pe.event.kind === 'notified' && pe.event.reply === undefined) {
        this.problem(pe.deleg, 'notify-unanswered', `CB_NOTIFY (frame ${pe.event.frame}) never answered`, pe.event.frame);
      }
    }
  }

  // ------------------------------------------------------------------------------ entities

  private lastClientKey: string | undefined;
  private lastClient: ClientState | undefined;
  private lastClientVersion = -1;

  private client(key: string, frame: number, address?: string): ClientState {
    // Calls come in runs from one client: skip the table while nothing in it changed.
    let c = key === this.lastClientKey && this.clients.version === this.lastClientVersion ? this.lastClient : this.clients.touch(key);
    if (c === undefined) {
      c = {
        rec: { key, addresses: [], sessions: [], firstFrame: frame, events: [] },
        revokedFlag: false, stats: new OpStatsTable(MAX_CLIENT_STATS_ROWS, this.clientStatsBudget), calls: 0, granted: 0, recalls: 0, returns: 0, notifications: 0, lastAddress: undefined,
      };
      if (key.startsWith('0x')) c.rec.clientid = key;
      this.clients.set(key, c);
    }
    this.lastClientKey = key;
    this.lastClient = c;
    this.lastClientVersion = this.clients.version;
    // Most calls come from the address the previous one came from: one comparison, no list scan.
    if (address !== undefined && address !== c.lastAddress) {
      c.lastAddress = address;
      if (c.rec.addresses.length < 16 && !c.rec.addresses.includes(address)) c.rec.addresses.push(address);
    }
    return c;
  }

  private clientEvent(key: string | undefined, frame: number, time: number, kind: string, detail?: string): void {
    if (key === undefined) return;
    const c = this.client(key, frame);
    if (c.rec.events.length < MAX_CLIENT_EVENTS) c.rec.events.push({ kind, frame, time, detail });
  }

  private lastSessionHex: string | undefined;
  private lastSession: SessionRecord | undefined;
  private lastSessionVersion = -1;

  private session(hex: string, frame: number): SessionRecord {
    let s = hex === this.lastSessionHex && this.sessions.version === this.lastSessionVersion ? this.lastSession : this.sessions.touch(hex);
    if (s === undefined) {
      s = { sessionid: hex, connections: [], firstFrame: frame };
      this.sessions.set(hex, s);
    }
    this.lastSessionHex = hex;
    this.lastSession = s;
    this.lastSessionVersion = this.sessions.version;
    return s;
  }

  private bindConn(s: SessionRecord, conn: number, dir: string): void {
    let c: SessionRecord['connections'][number] | undefined;
    for (const x of s.connections) {
      if (x.conn === conn) {
        c = x;
        break;
      }
    }
    if (c === undefined) {
      if (s.connections.length < 64) s.connections.push({ conn, dir });
    } else if (c.dir !== dir && c.dir !== 'both') {
      c.dir = 'both';
    }
  }

  /** Identifies the client making a fore-channel call. */
  private foreClient(msg: RpcMessage, ops: readonly NfsOp[]): string {
    for (const op of ops) {
      switch (op.op) {
        case 'SEQUENCE': {
          const sid = sequenceSessionId(op.args);
          if (sid !== undefined) {
            const hex = this.sessionHex(sid);
            const s = this.session(hex, msg.record.frame);
            // hex is the cached string while the session stays the same: compare by identity
            if (this.lastBoundConn !== msg.record.conn.id || this.lastBoundHex !== hex) {
              this.bindConn(s, msg.record.conn.id, 'fore');
              this.lastBoundConn = msg.record.conn.id;
              this.lastBoundHex = hex;
            }
            return s.client ?? `session:${s.sessionid}`;
          }
          break;
        }
        case 'DESTROY_SESSION':
        case 'BIND_CONN_TO_SESSION': {
          const args = objectValue(op.args);
          const sid = bytesValue(op.op === 'DESTROY_SESSION' ? args?.dsa_sessionid : args?.bctsa_sessid);
          if (sid !== undefined) {
            const s = this.sessions.get(hexOf(sid));
            if (s?.client !== undefined) return s.client;
          }
          break;
        }
        case 'SETCLIENTID_CONFIRM':
        case 'RENEW': {
          const id = u64Hex(objectValue(op.args)?.clientid);
          if (id !== undefined) {
            this.connClient.set(connSide(msg, msg.src), id);
            return id;
          }
          break;
        }
        case 'OPEN': {
          const id = u64Hex(objectValue(objectValue(op.args)?.owner)?.clientid);
          if (id !== undefined) {
            this.connClient.set(connSide(msg, msg.src), id);
            return id;
          }
          break;
        }
        case 'CREATE_SESSION': {
          const id = u64Hex(objectValue(op.args)?.csa_clientid);
          if (id !== undefined) return id;
          break;
        }
        case 'DESTROY_CLIENTID': {
          const id = u64Hex(objectValue(op.args)?.dca_clientid);
          if (id !== undefined) return id;
          break;
        }
        default:
          break;
      }
    }
    return this.connClient.get(connSide(msg, msg.src)) ?? `addr:${msg.src}`;
  }

  private lastBoundConn = -1;
  private lastBoundHex = '';

  /** Hex of a session id (memoised: the same string for the same bytes). */
  private sessionHex(sid: Uint8Array): string {
    return hexOf(sid);
  }

  /** The client a reply goes to, when its call was not seen. */
  private replyClient(msg: RpcMessage, nfs: NfsCompound | undefined): string {
    const seq = nfs?.ops.find((o) => o.op === 'SEQUENCE');
    const sid = bytesField(field(seq?.res, 'sr_resok4'), 'sr_sessionid');
    if (sid !== undefined) {
      const s = this.session(hexOf(sid), msg.record.frame);
      return s.client ?? `session:${s.sessionid}`;
    }
    return this.connClient.get(connSide(msg, msg.dst)) ?? `addr:${msg.dst}`;
  }

  /** The server whose compound is being walked: child names resolve on that server only. */
  private walkServer = '';
  private resolveChild = (parentKey: string, name: string): string | undefined => this.names.child(this.walkServer, parentKey, name);

  private readonly walker = new CompoundWalker();

  /** The steps are the walker's own, valid until the next walk (walks never nest). */
  private walk(server: string, callOps: readonly NfsOp[] | undefined, replyOps: readonly NfsOp[] | undefined): readonly WalkStep[] {
    this.walkServer = server;
    return this.walker.walk(callOps, replyOps, this.resolveChild);
  }

  private childOf(server: string, parentKey: string | undefined, name: string): string | undefined {
    return parentKey === undefined ? undefined : this.names.child(server, parentKey, name);
  }

  /** What `fh` of `server` is called, when known. */
  private nameOf(server: string, fh: string | undefined): string | undefined {
    if (fh === undefined) return undefined;
    const id = this.names.name(server, fh);
    return id === NO_ENTRY ? undefined : this.names.nameOf(id);
  }

  private parentOf(server: string, fh: string | undefined): string | undefined {
    if (fh === undefined) return undefined;
    const id = this.names.name(server, fh);
    return id === NO_ENTRY ? undefined : this.names.parentOf(id);
  }

  /** Learns that `fh` is `name` in the directory whose key (hex, or name path) is `parent`, on `server`. */
  private learnName(server: string, fh: string, name: string, parent: string | undefined): void {
    const names = this.names;
    const old = names.name(server, fh);
    if (old !== NO_ENTRY) {
      const oldName = names.nameOf(old);
      const oldParent = names.parentOf(old);
      if (oldName === name && oldParent === parent) {
        // Known already (a listing repeats every name): keep it recent.
        names.touchName(old);
        if (parent !== undefined && names.touchChild(server, parent, name) !== fh) names.setChild(server, parent, name, fh);
        return;
      }
      if (oldParent !== undefined) names.deleteChild(server, oldParent, oldName);
    }
    names.setName(server, fh, name, parent);
    if (parent !== undefined) names.setChild(server, parent, name, fh);
  }

  /** Name of a filehandle of `server` (IP) as a path when its parents are known ("/dir/file"), else its own name. */
  pathOf(fh: string | undefined, server: string): string | undefined {
    if (fh === undefined) return undefined;
    const parts: string[] = [];
    let cur: string | undefined = fh;
    let rooted = false;
    for (let depth = 0; cur !== undefined && depth < 32; depth++) {
      if (cur === '/') {
        rooted = true;
        break;
      }
      if (cur.startsWith('/')) {
        // a name path from the root whose filehandles were never seen
        parts.push(cur.slice(1));
        rooted = true;
        break;
      }
      const e = this.names.name(server, cur);
      if (e === NO_ENTRY) break;
      const name = this.names.nameOf(e);
      if (name === '') {
        rooted = true;
        break;
      }
      parts.push(name);
      cur = this.names.parentOf(e);
    }
    if (parts.length === 0) return rooted ? '/' : undefined;
    parts.reverse();
    return (rooted ? '/' : '') + parts.join('/');
  }

  private learnFromSlots(server: string, steps: readonly WalkStep[]): void {
    // The ops after a LOOKUP or OPEN share its slot as their current filehandle: once a slot
    // has been learned (or found known), looking at it again would find it known.
    let done: FhSlot | undefined;
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i];
      const a = s.after;
      if (a === undefined || a.hex === undefined || a === done) continue;
      if (a.root === true) {
        done = a;
        if (this.names.name(server, a.hex) === NO_ENTRY) this.names.setName(server, a.hex, '', undefined);
      } else if (a.name !== undefined && (s.status === undefined || s.status === 'NFS4_OK')) {
        const pk = parentKeyOf(a.parent);
        if (pk === undefined) continue;
        done = a;
        const known = this.names.name(server, a.hex);
        if (known !== NO_ENTRY && this.names.nameOf(known) === a.name && this.names.parentOf(known) === pk) continue;
        this.learnName(server, a.hex, a.name, pk);
        // Also reachable from the parent's own filehandle when the parent is the root.
        if (a.parent?.root === true && a.parent.hex !== undefined) this.names.setChild(server, a.parent.hex, a.name, a.hex);
      }
    }
  }

  // ------------------------------------------------------------------------------ delegations

  /** The tracked delegation `server` granted with this stateid `other` (hex). */
  private delegByStateid(server: string, other: string): Deleg | undefined {
    return this.byStateid.get(server)?.get(other);
  }

  /** `key`: an unavailable entry's key (see Correlator.unavailable), else undefined. */
  private newDeleg(server: string, key: string | undefined, stateid: StateidValue | undefined, kind: DelegationKind, frame: number, time: number,
    firstSeenAs: DelegationEvent['kind'], holder: string | undefined, fhKey: string | undefined): Deleg {
    if (this.delegs.size >= this.opt.maxActiveDelegations) this.evictOldest();
    const fh = isHexKey(fhKey) ? fhKey : undefined;
    const rec: DelegationRecord = {
      id: this.nextId++,
      stateid: stateid === undefined ? undefined : { seqid: stateid.seqid, other: hexOf(stateid.other) },
      kind, state: kind === 'directory' && stateid === undefined ? 'unavailable' : 'active',
      fh, name: this.pathOf(fh, server), holder, firstFrame: frame, firstTime: time, lastTime: time, firstSeenAs,
      events: this.keepEvents ? [] : NO_RECORD_EVENTS, problems: this.keepEvents ? [] : NO_RECORD_PROBLEMS,
      eventsDropped: 0, notifications: 0, notifiedChanges: 0,
    };
    const d = new Deleg(key, rec, server);
    this.delegs.add(d);
    if (key !== undefined) this.unavailable.set(key, d);
    if (rec.stateid !== undefined) {
      d.stateOther = rec.stateid.other;
      let m = this.byStateid.get(server);
      if (m === undefined) {
        m = new Map();
        this.byStateid.set(server, m);
      }
      m.set(d.stateOther, d);
    }
    if (fh !== undefined) this.indexFh(d, fh);
    if (holder !== undefined) this.indexClient(d, holder);
    this.counts.seen++;
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
    return d;
  }

  /** The delegations `server` granted on its filehandle `fh` (hex): one, or a Set (see
   *  ServerFhIndex.byFh; delegsIn lists either). */
  private delegsOn(server: string, fh: string): Deleg | Set<Deleg> | undefined {
    return this.fhIndex.get(server)?.byFh.get(fh);
  }

  private indexFh(d: Deleg, fh: string): void {
    this.fhGen++;
    let idx = this.fhIndex.get(d.server);
    if (idx === undefined) {
      idx = new ServerFhIndex();
      this.fhIndex.set(d.server, idx);
    }
    const s = idx.byFh.get(fh);
    if (s === undefined) {
      idx.byFh.set(fh, d);
      this.indexedFhs++;
      const h = fnv32Hex(fh);
      this.fhHashes.set(h, (this.fhHashes.get(h) ?? 0) + 1);
    } else if (s instanceof Deleg) {
      if (s !== d) idx.byFh.set(fh, new Set([s, d]));
    } else {
      s.add(d);
    }
  }

  private indexClient(d: Deleg, client: string): void {
    let s = this.byClient.get(client);
    if (s === undefined) {
      s = new Set();
      this.byClient.set(client, s);
    }
    s.add(d);
  }

  private setFh(d: Deleg, fh: string | undefined): void {
    if (!isHexKey(fh)) return;
    if (d.rec.fh === undefined) {
      d.rec.fh = fh;
      this.indexFh(d, fh);
    }
    if (d.rec.name === undefined) d.rec.name = this.pathOf(fh, d.server);
  }

  private setHolder(d: Deleg, holder: string | undefined, address?: string): void {
    if (holder === undefined) return;
    if (d.rec.holder === undefined) {
      d.rec.holder = holder;
      this.indexClient(d, holder);
    }
    if (address !== undefined && d.rec.holderAddress === undefined) d.rec.holderAddress = address;
  }

  private addEvent(d: Deleg, e: DelegationEvent): void {
    d.rec.lastTime = Math.max(d.rec.lastTime, e.time);
    const weight = eventWeight(e);
    const stored = this.keepEvents ? d.rec.events.length : d.storedEvents;
    // The memory budget shared by all records. Any kind of event can repeat without bound in
    // a hostile capture (4 M TEST_STATEID results took `deleg` out of its heap), but a
    // delegation's first few plain events (its grant, recall, return) are always kept.
    const overBudget = this.storedWeight + weight > this.opt.maxStoredEvents && (e.kind === 'notified' || stored >= ALWAYS_KEPT_EVENTS);
    if (stored >= this.opt.maxEventsPerDelegation || overBudget) {
      if (overBudget) this.drops.add('events not kept (memory budget for stored events spent)');
      if (d.rec.eventsDropped === 0) {
        this.problem(d, 'events-truncated', overBudget
          ? `stored-event budget (${this.opt.maxStoredEvents}) spent: later events counted, not kept`
          : `more than ${this.opt.maxEventsPerDelegation} events: later ones counted, not kept`);
      }
      d.rec.eventsDropped++;
      return;
    }
    if (this.keepEvents) d.rec.events.push(e);
    else {
      d.storedEvents++;
      d.storedWeight += weight;
    }
    this.storedWeight += weight;
    if (d.weightBox !== undefined) d.weightBox.weight += weight;
  }

  /** Stored-event weight of a record (what addEvent counted for it). */
  private weightOf(r: DelegationRecord): number {
    let w = 0;
    for (const e of r.events) w += eventWeight(e);
    for (const p of r.problems) w += problemWeight(p.message);
    return w;
  }

  /** Stored-event weight of a delegation's record, whether or not it keeps its events. */
  private delegWeight(d: Deleg): number {
    return this.keepEvents ? this.weightOf(d.rec) : d.storedWeight;
  }

  private problem(d: Deleg, kind: ProblemKind, message: string, frame?: number): void {
    this.problemCounts[kind] = (this.problemCounts[kind] ?? 0) + 1;
    const kept = this.keepEvents ? d.rec.problems.length : d.storedProblems;
    if (kept >= MAX_PROBLEMS_KEPT) return;
    // Problems share the stored-event budget: a hostile capture gives each of thousands of
    // delegations hundreds (an unmatched notification each took `deleg` out of its heap).
    const weight = problemWeight(message);
    if (kept >= ALWAYS_KEPT_PROBLEMS && this.storedWeight + weight > this.opt.maxStoredEvents) {
      this.drops.add('problems not kept (memory budget for stored events spent; still counted in stats)');
      return;
    }
    if (this.keepEvents) d.rec.problems.push(frame === undefined ? { kind, message } : { kind, frame, message });
    else {
      d.storedProblems++;
      d.storedWeight += weight;
    }
    this.storedWeight += weight;
    if (d.weightBox !== undefined) d.weightBox.weight += weight;
  }

  private findDeleg(server: string, s: StateidValue | undefined): Deleg | undefined {
    if (s === undefined) return undefined;
    const other = stateidKey(s);
    return other === undefined ? undefined : this.delegByStateid(server, other);
  }

  /** Finds or creates the delegation for a stateid seen somewhere other than its grant. */
  private sightDeleg(server: string, s: StateidValue, kind: DelegationKind, frame: number, time: number,
    as: DelegationEvent['kind'], holder: string | undefined, fh: string | undefined): Deleg | undefined {
    const other = stateidKey(s);
    if (other === undefined) return undefined;
    let d = this.delegByStateid(server, other);
    if (d === undefined) {
      d = this.newDeleg(server, undefined, s, kind, frame, time, as, holder, fh);
      if (as === 'returned') {
        this.problem(d, 'return-of-unknown', 'first seen at return: no grant in the capture (it may start after the grant)', frame);
      } else {
        this.problem(d, 'first-seen-late', `first seen at ${as}: no grant in the capture (it may start after the grant)`, frame);
      }
    } else {
      this.setFh(d, fh);
      this.setHolder(d, holder);
      if (d.rec.kind === 'unknown' && kind !== 'unknown') d.rec.kind = kind;
    }
    return d;
  }

  private setTerminal(d: Deleg, state: 'returned' | 'revoked' | 'freed', t: number): void {
    const wasTerminal = d.terminalAt !== undefined;
    d.rec.state = state;
    this.recalled.delete(d);
    if (!wasTerminal) {
      d.terminalAt = t;
      this.fhGen++;
      this.terminalQueue.push(d);
    }
  }

  /**
   * Makes room for one more delegation in constant time (a scan of every tracked delegation
   * per grant made long captures quadratic): a finished one waiting to retire goes first,
   * else the longest-tracked one (the Map keeps insertion order).
   */
  private evictOldest(): void {
    let oldest: Deleg | undefined;
    while (this.terminalQueue.length > 0 && oldest === undefined) {
      const d = this.terminalQueue.shift() as Deleg;
      if (!d.retired && d.terminalAt !== undefined) oldest = d;
    }
    if (oldest === undefined) oldest = this.delegs.values().next().value;
    if (oldest === undefined) return;
    if (oldest.terminalAt === undefined) {
      this.problem(oldest, 'tracking-evicted', `no longer tracked: more than ${this.opt.maxActiveDelegations} delegations at once`);
    }
    this.retire(oldest, false);
  }

  private retire(d: Deleg, atFinish: boolean): void {
    if (d.retired) return;
    this.fhGen++;
    this.finalize(d, atFinish);
    d.retired = true;
    this.delegs.delete(d);
    if (d.key !== undefined) this.unavailable.delete(d.key);
    if (d.stateOther !== undefined) {
      const m = this.byStateid.get(d.server);
      if (m !== undefined && m.get(d.stateOther) === d) {
        m.delete(d.stateOther);
        if (m.size === 0) this.byStateid.delete(d.server);
      }
    }
    const idx = d.rec.fh === undefined ? undefined : this.fhIndex.get(d.server);
    if (d.rec.fh !== undefined && idx !== undefined) {
      const s = idx.byFh.get(d.rec.fh);
      if (s instanceof Set) {
        // Back to the one left as is (the order of a Set's survivors is kept either way).
        if (s.delete(d) && s.size === 1) idx.byFh.set(d.rec.fh, s.values().next().value as Deleg);
      } else if (s === d) {
        idx.byFh.delete(d.rec.fh);
        this.indexedFhs--;
        if (idx.byFh.size === 0) this.fhIndex.delete(d.server);
        const h = fnv32Hex(d.rec.fh);
        const n = (this.fhHashes.get(h) ?? 1) - 1;
        if (n <= 0) this.fhHashes.delete(h);
        else this.fhHashes.set(h, n);
      }
    }
    if (d.rec.holder !== undefined) {
      const s = this.byClient.get(d.rec.holder);
      s?.delete(d);
      if (s !== undefined && s.size === 0) this.byClient.delete(d.rec.holder);
    }
    this.recalled.delete(d);
    const cap = this.opt.maxRetainedDelegations;
    if (cap > 0 && !this.opt.keepRecords) {
      // The record leaves memory once nothing refers to its delegation; its weight stays.
      d.weightBox = { weight: this.delegWeight(d) };
      if (this.retainedWeights.length < cap) this.retainedWeights.push(d.weightBox);
      else {
        this.storedWeight -= this.retainedWeights[this.retainedHead].weight;
        this.retainedWeights[this.retainedHead] = d.weightBox;
        this.retainedHead = (this.retainedHead + 1) % cap;
        this.counts.evicted++;
      }
    } else if (cap > 0) {
      if (this.retained.length < cap) this.retained.push(d.rec);
      else {
        this.storedWeight -= this.weightOf(this.retained[this.retainedHead]);
        this.retained[this.retainedHead] = d.rec;
        this.retainedHead = (this.retainedHead + 1) % cap;
        this.counts.evicted++;
      }
    } else {
      this.storedWeight -= this.delegWeight(d);
      this.counts.evicted++;
    }
    this.opt.onRetire?.(d.rec);
  }

  /** Problems that can only be judged once a delegation's life is over (or the capture ends). */
  private finalize(d: Deleg, atEnd: boolean): void {
    if (d.finalized) return;
    d.finalized = true;
    if (d.recallAt !== undefined && d.returnCallAt === undefined && d.terminalAt === undefined && !d.recallFlagged) {
      d.recallFlagged = true;
      this.problem(d, 'recall-unanswered', atEnd ? 'recalled, never returned before the capture ended' : 'recalled, never returned');
    }
    for (let i = d.expHead; i < d.exps.length; i++) {
      const x = d.exps[i];
      const slot = d.expSlots[i];
      if (!expAlive(x, slot)) continue;
      this.judgeExpectation(d, x, x.state[slot]);
      x.state[slot] |= EXP_GONE;
      this.memberGone(x);
    }
    d.exps = NO_EXPS;
    d.expSlots = NO_EXP_SLOTS;
    d.expLive = 0;
    d.expHead = 0;
    if (d.rec.stateid !== undefined) {
      if (d.returnedAt !== undefined && d.rec.firstSeenAs === 'granted') {
        d.rec.lifetime = d.returnedAt - d.rec.firstTime;
        this.lifetime.add(d.rec.lifetime);
      }
      if (d.rec.kind === 'directory') this.notifiesPerDeleg.add(d.notifyCalls);
    }
  }

  // ------------------------------------------------------------------------------ fore channel

  private onForeCall(p: Pending, msg: RpcMessage, nfs: NfsCompound, t: number): void {
    const client = this.foreClient(msg, nfs.ops);
    p.client = client;
    // A client establishing its identity has none yet: keep it out of the client table.
    const first = nfs.ops[0]?.op;
    const anonymousSetup = client.startsWith('addr:') && (first === 'EXCHANGE_ID' || first === 'SETCLIENTID');
    const cs = anonymousSetup ? undefined : this.client(client, msg.record.frame, client.startsWith('0x') ? msg.src : undefined);
    if (cs !== undefined) {
      cs.calls++;
      p.cs = cs;
      p.csVersion = this.clients.version;
    } else {
      p.client = undefined;
    }
    p.counted = true;
    const ops = nfs.ops;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      this.opStats.getByNum(op.opnum, op.op).calls++;
      if (cs !== undefined) cs.stats.getByNum(op.opnum, op.op).calls++;
    }
    const server = ipOf(msg.dst);
    const cls = this.classify(ops, server, client);
    if (cls !== FULL) {
      p.slim = true;
      p.learnNames = cls === SLIM_LEARN;
      return;
    }
    this.fullForeCall(p, msg, nfs, t, client, server);
  }

  /**
   * A compound that may create, change, end or name delegation state: walks it, records the
   * objects it touches and the changes it makes, and remembers it for cause finding. Each op
   * of interest has its own method (one big function here was costly to optimize, and was
   * optimized again whenever a rarely seen op came by).
   */
  private fullForeCall(p: Pending, msg: RpcMessage, nfs: NfsCompound, t: number, client: string, server: string): void {
    const steps = this.walk(server, nfs.ops, undefined);
    const fore: ForeCall = {
      key: p.key, xid: msg.xid | 0, client, server, op: 'COMPOUND', callFrame: msg.record.frame, callTime: t,
      replyFrame: undefined, replyTime: undefined, status: undefined, touched0: undefined, touchedMore: NO_TOUCHED, sid: undefined, slot: -1, seq: -1,
      flying: false, ringIdx: -1, ringSeq: -1, mutations: NO_MUTATIONS, expectations: NO_CALL_EXPECTATIONS, notified: undefined,
    };
    let mainOp: string | undefined;
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i];
      switch (s.op) {
        case 'SEQUENCE':
          this.callSequence(fore, s);
          break;
        case 'PUTFH': {
          const after = s.after;
          if (after !== undefined && after.hex !== undefined) touch(fore, after.hex);
          break;
        }
        case 'LOOKUP': {
          const id = slotId(s.after);
          if (id !== undefined) touch(fore, id);
          break;
        }
        case 'OPEN':
          mainOp = 'OPEN';
          this.callOpen(p, fore, s, msg, server, client, t);
          break;
        case 'CREATE': {
          mainOp = 'CREATE';
          const name = nameOf(field(s.args, 'objname'));
          if (name !== undefined) addMutation(fore, mutation('create', 'CREATE', s.index, slotId(s.cfh), name, undefined));
          break;
        }
        case 'REMOVE':
          mainOp = 'REMOVE';
          this.callRemove(fore, s, server);
          break;
        case 'RENAME':
          mainOp = 'RENAME';
          this.callRename(fore, s, server);
          break;
        case 'LINK': {
          mainOp = 'LINK';
          const newName = nameOf(field(s.args, 'newname'));
          if (newName !== undefined) addMutation(fore, mutation('link', 'LINK', s.index, slotId(s.cfh), newName, slotId(s.sfh)));
          break;
        }
        case 'SETATTR':
          mainOp = 'SETATTR';
          this.callSetattr(fore, s, server);
          break;
        case 'WRITE': {
          mainOp ??= 'WRITE';
          const cfh = slotId(s.cfh);
          addMutation(fore, mutation('write', 'WRITE', s.index, this.parentOf(server, cfh), undefined, cfh));
          break;
        }
        case 'DELEGRETURN':
          mainOp ??= 'DELEGRETURN';
          this.callDelegreturn(p, s, msg, server, client, t);
          break;
        default:
          if (mainOp === undefined && s.op !== 'PUTROOTFH' && s.op !== 'GETATTR' && s.op !== 'GETFH' && s.op !== 'SAVEFH'
            && s.op !== 'RESTOREFH') mainOp = s.op;
          break;
      }
    }
    const mutations = fore.mutations;
    if (mutations.length >= MAX_MUTATIONS_PER_CALL) this.drops.add(`compound with ${MAX_MUTATIONS_PER_CALL} changes or more (any beyond not followed)`);
    for (let i = 0; i < mutations.length; i++) {
      const m = mutations[i];
      if (m.dir !== undefined) touch(fore, m.dir);
      if (m.toDir !== undefined) touch(fore, m.toDir);
    }
    fore.op = mainOp ?? (nfs.ops.length > 0 ? nfs.ops[nfs.ops.length - 1].op : 'COMPOUND');
    if (mutations.length > 0) this.expect(fore);
    p.fore = fore;
    if (fore.touched0 === undefined && mutations.length === 0 && fore.sid === undefined) {
      // Touches no object, changes nothing, used no session slot (EXCHANGE_ID, CREATE_SESSION,
      // SETCLIENTID ...): no cause search, notification match or referring-call lookup can
      // ever pick it. Its ring position gets blank columns (its times are still recorded).
      this.remember(fore, false);
      return;
    }
    fore.flying = true;
    if (this.inFlightLen < this.inFlight.length) this.inFlight[this.inFlightLen] = fore;
    else this.inFlight.push(fore);
    this.inFlightLen++;
    this.inFlightLive++;
    this.remember(fore, true);
  }

  private callSequence(fore: ForeCall, s: WalkStep): void {
    const sid = sequenceSessionId(s.args);
    const seq = sequenceSeqId(s.args);
    const slot = sequenceSlotId(s.args);
    if (sid !== undefined && seq !== undefined && slot !== undefined) {
      fore.sid = this.sessionHex(sid);
      fore.slot = slot;
      fore.seq = seq;
    }
  }

  private callOpen(p: Pending, fore: ForeCall, s: WalkStep, msg: RpcMessage, server: string, client: string, t: number): void {
    const cfh = slotId(s.cfh);
    const name = openClaimName(s.args);
    const target = slotId(s.after);
    if (target !== undefined) touch(fore, target);
    // Named loads of OPEN4args fields (see wire-views.ts, objectValue): every OPEN comes here.
    const args = objectValue(s.args);
    const opentype = objectValue(args?.openhow)?.opentype;
    const create = opentype === 'OPEN4_CREATE' || opentype === 1;
    if (create && name !== undefined) addMutation(fore, mutation('open-create', 'OPEN', s.index, cfh, name, target));
    const shareAccess = args?.share_access;
    const access = typeof shareAccess === 'number' ? shareAccess : 0;
    if ((access & 2) !== 0) addMutation(fore, mutation('open-write', 'OPEN', s.index, name !== undefined ? cfh : this.parentOf(server, target), name, target));
    const claim = objectValue(args?.claim);
    const curStateid = objectValue(claim?.delegate_cur_info)?.delegate_stateid;
    const fhStateid = claim?.oc_delegate_stateid;
    const ds = isStateid(curStateid) ? curStateid : isStateid(fhStateid) ? fhStateid : undefined;
    if (ds === undefined) return;
    const claimType = enumValue(claim?.claim);
    const fh = claimType === 'CLAIM_DELEG_CUR_FH' || claimType === 5 ? cfh : target;
    const d = this.sightDeleg(server, ds, 'unknown', msg.record.frame, t, 'opened-under', client, fh);
    if (d !== undefined) {
      const e: DelegationEvent = { kind: 'opened-under', frame: msg.record.frame, time: t, xid: msg.xid, claim: String(claimType) };
      this.addEvent(d, e);
      pushEvent(p, { opIndex: s.index, deleg: d, event: e });
    }
  }

  private callRemove(fore: ForeCall, s: WalkStep, server: string): void {
    const name = nameOf(field(s.args, 'target'));
    if (name === undefined) return;
    const cfh = slotId(s.cfh);
    const obj = this.childOf(server, cfh, name);
    if (obj !== undefined) touch(fore, obj);
    addMutation(fore, mutation('remove', 'REMOVE', s.index, cfh, name, obj));
  }

  private callRename(fore: ForeCall, s: WalkStep, server: string): void {
    const oldName = nameOf(field(s.args, 'oldname'));
    const newName = nameOf(field(s.args, 'newname'));
    const from = slotId(s.sfh);
    if (from !== undefined) touch(fore, from);
    const obj = oldName === undefined ? undefined : this.childOf(server, from, oldName);
    if (obj !== undefined) touch(fore, obj);
    addMutation(fore, mutation('rename', 'RENAME', s.index, from, oldName, obj, slotId(s.cfh), newName));
  }

  private callSetattr(fore: ForeCall, s: WalkStep, server: string): void {
    const obj = slotId(s.cfh);
    const dir = s.cfh?.parent !== undefined ? parentKeyOf(s.cfh.parent) : this.parentOf(server, obj);
    const name = s.cfh?.name ?? this.nameOf(server, obj);
    if (obj !== undefined) touch(fore, obj);
    addMutation(fore, mutation('setattr', 'SETATTR', s.index, dir, name, obj));
  }

  private callDelegreturn(p: Pending, s: WalkStep, msg: RpcMessage, server: string, client: string, t: number): void {
    const sid = stateidField(s.args, 'deleg_stateid');
    if (sid === undefined) return;
    const d = this.sightDeleg(server, sid, 'unknown', msg.record.frame, t, 'returned', client, slotId(s.cfh));
    if (d === undefined) return;
    if (d.terminalAt !== undefined && d.rec.state === 'returned') {
      this.problem(d, 'return-failed', `DELEGRETURN (frame ${msg.record.frame}) of a delegation already returned`, msg.record.frame);
    }
    const e: DelegationEvent = { kind: 'returned', frame: msg.record.frame, time: t, xid: msg.xid };
    if (d.recallAt !== undefined) e.afterRecall = t - d.recallAt;
    if (d.returnCallAt === undefined) {
      d.returnCallAt = t;
      if (d.recallAt !== undefined) {
        d.rec.recallToReturn = t - d.recallAt;
        this.recallToReturn.add(d.rec.recallToReturn);
      }
    }
    this.addEvent(d, e);
    pushEvent(p, { opIndex: s.index, deleg: d, event: e });
  }

  /** The newest remembered call that used this session slot and sequence id (the recent ring
   *  holds every call that went through the full analysis, in flight or answered), made to
   *  `server` (the one sending the callback: session ids, like filehandles, are its own). */
  private referringCall(server: string, sid: Uint8Array, slot: number | undefined, seq: number | undefined): ForeCall | undefined {
    if (slot === undefined || seq === undefined) return undefined;
    let hex: string | undefined;
    const r = this.recent;
    const n = r.count;
    for (let k = 0; k < n; k++) {
      const i = r.at(k);
      if (r.slot[i] !== slot || r.seq[i] !== seq) continue;
      const callSid = r.sid[i];
      if (callSid === undefined || r.server[i] !== server) continue;
      hex ??= hexOf(sid);
      if (callSid === hex) return r.obj[i] ?? this.ringCall(i);
    }
    return undefined;
  }

  /** A call is no longer in flight (answered or given up). */
  private landed(fore: ForeCall): void {
    if (!fore.flying) return;
    fore.flying = false;
    this.inFlightLive--;
    const a = this.inFlight;
    const len = this.inFlightLen;
    if (this.inFlightLive === 0) {
      a.fill(INERT_CALL, 0, len);
      this.inFlightLen = 0;
    } else if (len > 2 * this.inFlightLive + 64) {
      let kept = 0;
      for (let i = 0; i < len; i++) if (a[i].flying) a[kept++] = a[i];
      a.fill(INERT_CALL, kept, len);
      this.inFlightLen = kept;
    }
  }

  /** Puts a call in the recent ring: itself, or (`pickable` false: a call no scan can pick)
   *  only its call time, with no client, server or session slot. */
  private remember(fore: ForeCall, pickable: boolean): void {
    const r = this.recent;
    // One call site (two made the optimized code of the first kind deoptimize at the first
    // call of the other): a call no scan can pick is put with INERT_CALL's blank fields.
    const f = pickable ? fore : INERT_CALL;
    fore.ringIdx = r.put(pickable ? fore : undefined, f.key, f.xid, f.client, f.server, f.op, f.callFrame, fore.callTime, f.sid, f.slot, f.seq,
      f.touched0, f.touchedMore);
    fore.ringSeq = r.ticket();
  }

  /** A remembered call is answered: its reply goes into its ring columns (unless newer calls
   *  took its position meanwhile). */
  private ringReplied(fore: ForeCall): void {
    const r = this.recent;
    const i = fore.ringIdx;
    if (!r.holds(i, fore.ringSeq)) return;
    r.replyTime[i] = fore.replyTime as number;
    r.replyFrame[i] = fore.replyFrame as number;
    r.status[i] = fore.status;
  }

  /** After its reply was looked at: the ring lets go of the call's object when the columns
   *  say all a scan needs of it (see packChanges). */
  private ringRelease(fore: ForeCall): void {
    const r = this.recent;
    const i = fore.ringIdx;
    if (r.holds(i, fore.ringSeq) && r.obj[i] === fore && packChanges(r, i, fore)) r.obj[i] = undefined;
  }

  /** One of an answered call's expectations died: with all of them dead, the ring may let go
   *  of the call (packChanges), which the live expectations kept there until now. */
  private expectationDied(x: Expectation): void {
    const fore = x.call;
    if (fore.replyTime === undefined || fore.flying) return; // ringRelease comes at the reply
    this.ringRelease(fore);
  }

  /** A member of expectation `x` just got EXP_GONE. */
  private memberGone(x: Expectation): void {
    if (++x.gone === x.count && !x.failed && !x.settled) this.expectationDied(x);
  }

  /** A call object for ring position `i` whose object the ring let go of (answered, packed):
   *  made only when a scan picks it, with what the call had that scans look at. */
  private ringCall(i: number): ForeCall {
    const r = this.recent;
    const replyFrame = r.replyFrame[i];
    const replyTime = r.replyTime[i];
    const wrote = r.wrote[i];
    const kind = r.changeKind[i];
    let mutations = NO_MUTATIONS;
    if (kind !== undefined) {
      const m = mutation(kind, opOfKind(kind), -1, r.changeDir[i], r.changeName[i], r.changeObj[i], r.changeToDir[i], r.changeNewName[i]);
      m.lateMatches = r.changeLate[i];
      mutations = [m];
    }
    if (wrote !== undefined) {
      const m = mutation('write', 'WRITE', -1, undefined, undefined, wrote);
      if (mutations === NO_MUTATIONS) mutations = [m];
      else mutations.push(m);
    }
    return {
      key: r.key(i), xid: r.xid[i], client: r.client[i], server: r.server[i], op: r.op[i], callFrame: r.callFrame[i], callTime: r.callTime[i],
      replyFrame: replyFrame === replyFrame ? replyFrame : undefined, replyTime: replyTime === replyTime ? replyTime : undefined,
      status: r.status[i], touched0: r.touched0[i], touchedMore: r.touchedMore[i], sid: r.sid[i], slot: r.slot[i], seq: r.seq[i],
      flying: false, ringIdx: i, ringSeq: -1,
      mutations, expectations: NO_CALL_EXPECTATIONS, notified: kind === undefined ? undefined : r.changeNotified[i],
    };
  }

  /**
   * Does this compound need the full walk (FULL)? Most of a capture does not: I/O, and lookups
   * and listings, on objects nobody holds a delegation on (SLIM, or SLIM_LEARN when it names
   * objects: LOOKUP / GETFH / READDIR). A LOOKUP counts as on a delegated object when the name
   * resolves to one; only a LOOKUP right after a PUTFH is checked that way (others: FULL).
   * `client` is the caller (foreClient), as the full path would record it; `server` the
   * server it calls (whose filehandles the PUTFHs name).
   */
  private classify(ops: readonly NfsOp[], server: string, client: string): number {
    let learn = false;
    let lastFh: Uint8Array | undefined;
    let prev = '';
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      const name = op.op;
      if (name === 'LOOKUP' || name === 'GETFH' || name === 'READDIR') {
        learn = true;
        if (name === 'LOOKUP' && this.indexedFhs > 0) {
          if (prev !== 'PUTFH' || lastFh === undefined) return FULL;
          const objName = lookupName(op.args);
          if (objName === undefined) return FULL;
          const child = this.names.child(server, hexOf(lastFh), objName);
          if (child !== undefined && this.held(server, child, client)) return FULL;
        }
      } else if (RELEVANT_OPS.has(name)) {
        return FULL;
      } else if (name === 'PUTFH') {
        const fh = putfhObject(op.args);
        lastFh = fh;
        // a hash first: most compounds are I/O on objects nobody holds a delegation on
        if (fh !== undefined && this.fhHashes.size > 0) {
          const h = fnv32(fh);
          if (this.fhHashes.has(h) && this.held(server, hexOfHashed(fh, h), client)) return FULL;
        }
      }
      prev = name;
    }
    return learn ? SLIM_LEARN : SLIM;
  }

  /** Is somebody holding a delegation on this object (not yet returned, revoked or freed), or
   *  is a recall on it still collecting the conflicting client's retries? Finished
   *  delegations stay indexed for `retireAfter` seconds, but calls on their objects are
   *  plain I/O again. */
  private held(server: string, fh: string, client: string): boolean {
    const idx = this.fhIndex.get(server);
    if (idx === undefined) return false;
    if (idx.notHeldGen !== this.fhGen) {
      idx.notHeld.clear();
      idx.notHeldGen = this.fhGen;
    }
    if (!idx.notHeld.has(fh)) {
      const ds = idx.byFh.get(fh);
      if (ds === undefined) return false;
      if (ds instanceof Deleg) {
        if (ds.terminalAt === undefined) return true;
      } else {
        for (const d of ds) if (d.terminalAt === undefined) return true;
      }
      idx.notHeld.add(fh);
    }
    // trackConflictReply looks only at the conflicting client's calls
    const mine = this.trackersOf.get(client);
    if (mine === undefined) return false;
    for (const tr of mine) if (tr.server === server && tr.objects.has(fh)) return true;
    return false;
  }

  /** Changes whenever a delegation is indexed by filehandle, ends or leaves the index. */
  private fhGen = 0;

  private slimReply(p: Pending, msg: RpcMessage, nfs: NfsCompound | undefined, t: number): void {
    if (nfs === undefined) return;
    const client = p.client;
    const ops = nfs.ops;
    if (client !== undefined && ops[0]?.op === 'SEQUENCE' && ops[0].status === 'NFS4_OK') {
      this.sequenceFlags(client, ops[0].res, msg.record.frame, t, msg.xid);
    }
    const server = ipOf(msg.src);
    if (p.learnNames === true) {
      // What the full path does with these ops' replies (see onForeReply / foreReplyOp).
      const steps = this.walk(server, p.nfs?.ops, ops);
      this.learnFromSlots(server, steps);
      for (const s of steps) {
        if (s.op === 'READDIR' && s.status === 'NFS4_OK' && client !== undefined && s.cfh?.hex !== undefined && this.delegsOn(server, s.cfh.hex) !== undefined) {
          this.readdirReply(s, server, client, msg.record.frame);
        }
      }
    }
    const last = ops[ops.length - 1];
    if (last?.status !== undefined && REVOCATION_STATUSES.has(last.status)) {
      this.revocationError(last.op, p.nfs?.ops[ops.length - 1]?.args, last.status, server, msg, t);
    }
  }

  private sequenceFlags(client: string, res: unknown, frame: number, t: number, xid: number): void {
    const flags = sequenceStatusFlags(res) ?? 0;
    const on = (flags & SEQ4_STATUS_RECALLABLE_STATE_REVOKED) !== 0;
    const c = this.clients.get(client);
    if (c === undefined || c.revokedFlag === on) return;
    c.revokedFlag = on;
    if (!on) return;
    this.clientEvent(client, frame, t, 'recallable-state-revoked', 'SEQ4_STATUS_RECALLABLE_STATE_REVOKED set');
    for (const d of this.byClient.get(client) ?? []) {
      if (d.rec.state === 'recalled') this.revoke(d, frame, t, xid, 'SEQ4_STATUS_RECALLABLE_STATE_REVOKED', 'SEQUENCE', false);
    }
  }

  /** An op answered with a revocation status: the delegations whose stateids it used are revoked. */
  private revocationError(op: string, args: unknown, status: string, server: string, msg: RpcMessage, t: number): void {
    for (const sid of findStateids(args)) {
      const d = this.findDeleg(server, sid);
      if (d !== undefined) this.revoke(d, msg.record.frame, t, msg.xid, status, op, status !== 'NFS4ERR_BAD_STATEID');
    }
  }

  private onForeReply(p: Pending | undefined, msg: RpcMessage, nfs: NfsCompound | undefined, t: number): void {
    if (p?.slim === true) {
      this.slimReply(p, msg, nfs, t);
      return;
    }
    const fore = p?.fore;
    const server = ipOf(msg.src);
    const client = p?.fore?.client ?? p?.client ?? this.replyClient(msg, nfs);
    if (fore !== undefined) {
      this.landed(fore);
      fore.replyFrame = msg.record.frame;
      fore.replyTime = t;
      fore.status = nfs?.status ?? (msg.header.msgType === 'reply' ? msg.header.acceptStat ?? msg.header.replyStat : undefined);
      this.ringReplied(fore);
    }
    const replyOps = nfs?.ops;
    const steps = this.walk(server, p?.nfs?.ops, replyOps);
    if (nfs !== undefined) this.learnFromSlots(server, steps);

    // Events made at call time get their reply.
    if (p !== undefined) {
      for (const pe of p.events) this.patchForeEvent(pe, msg, nfs, t);
    }
    if (nfs !== undefined) {
      for (const s of steps) {
        if (s.status === undefined) continue;
        this.foreReplyOp(s, p, msg, server, client, t);
      }
    }
    if (fore !== undefined) {
      this.confirmExpectations(fore, nfs);
      this.trackConflictReply(fore, msg, nfs);
      // Last: its expectations are confirmed or failed by now (see packChanges).
      this.ringRelease(fore);
    }
  }

  private patchForeEvent(pe: PendingEvent, msg: RpcMessage, nfs: NfsCompound | undefined, t: number): void {
    const status = nfs?.ops[pe.opIndex]?.status ?? (nfs?.status !== undefined ? `not executed (${nfs.status})` : 'no reply body');
    const reply: ReplyRef = { frame: msg.record.frame, time: t, status };
    const e = pe.event;
    const d = pe.deleg;
    if (e.kind === 'returned') {
      e.reply = reply;
      if (status === 'NFS4_OK') {
        if (d.returnedAt === undefined) d.returnedAt = t;
        if (d.rec.state !== 'returned') {
          this.counts.returned++;
          if (d.rec.holder !== undefined) this.client(d.rec.holder, msg.record.frame).returns++;
        }
        this.setTerminal(d, 'returned', t);
      } else if (status === 'NFS4ERR_DELEG_REVOKED' || status === 'NFS4ERR_ADMIN_REVOKED' || status === 'NFS4ERR_BAD_STATEID' || status === 'NFS4ERR_EXPIRED') {
        this.revoke(d, msg.record.frame, t, msg.xid, status, 'DELEGRETURN', status !== 'NFS4ERR_BAD_STATEID');
      } else {
        this.problem(d, 'return-failed', `DELEGRETURN (frame ${e.frame}) answered ${status} (frame ${msg.record.frame})`, msg.record.frame);
      }
    } else if (e.kind === 'opened-under') {
      e.reply = reply;
      if (REVOCATION_STATUSES.has(status)) this.revoke(d, msg.record.frame, t, msg.xid, status, 'OPEN', status !== 'NFS4ERR_BAD_STATEID');
    }
  }

  private revoke(d: Deleg, frame: number, time: number, xid: number, reason: string, op: string | undefined, certain: boolean): void {
    this.addEvent(d, { kind: 'revoked', frame, time, xid, reason, op, certain });
    if (certain && d.rec.state !== 'revoked' && d.rec.state !== 'freed') {
      this.counts.revoked++;
      this.setTerminal(d, 'revoked', time);
    }
  }

  private foreReplyOp(s: WalkStep, p: Pending | undefined, msg: RpcMessage, server: string, client: string | undefined, t: number): void {
    const frame = msg.record.frame;
    const status = s.status as string;
    const ok = status === 'NFS4_OK';
    switch (s.op) {
      case 'OPEN': {
        if (!ok) break;
        const deleg = objectValue(objectValue(s.res)?.resok4)?.delegation;
        this.grantFromOpenDelegation(deleg, 'OPEN', s.after?.hex, p, msg, server, client, t);
        break;
      }
      case 'WANT_DELEGATION':
        if (ok) this.grantFromOpenDelegation(field(s.res, 'wdr_resok4'), 'WANT_DELEGATION', s.cfh?.hex, p, msg, server, client, t);
        break;
      case 'GET_DIR_DELEGATION':
        if (ok) this.gddReply(s, p, msg, server, client, t);
        break;
      case 'FREE_STATEID': {
        const sid = stateidField(s.args, 'fsa_stateid');
        const d = this.findDeleg(server, sid);
        if (d !== undefined) {
          this.addEvent(d, { kind: 'freed', frame: p?.frame ?? frame, time: p?.time ?? t, xid: msg.xid, reply: { frame, time: t, status } });
          if (ok) this.setTerminal(d, 'freed', t);
        }
        break;
      }
      case 'TEST_STATEID':
        this.replyTestStateid(s, msg, server, t);
        break;
      case 'SEQUENCE':
        if (ok && client !== undefined) this.sequenceFlags(client, s.res, frame, t, msg.xid);
        break;
      case 'EXCHANGE_ID':
        if (ok) this.replyExchangeId(s, p, msg);
        break;
      case 'CREATE_SESSION':
        if (ok) this.replyCreateSession(s, msg);
        break;
      case 'BIND_CONN_TO_SESSION':
        if (ok) this.replyBindConn(s, msg);
        break;
      case 'DESTROY_SESSION': {
        const sid = bytesField(s.args, 'dsa_sessionid');
        if (ok && sid !== undefined) this.session(hexOf(sid), frame).destroyedFrame = frame;
        break;
      }
      case 'DESTROY_CLIENTID': {
        const id = u64Hex(field(s.args, 'dca_clientid'));
        if (ok && id !== undefined) this.clientEvent(id, frame, t, 'destroyed', 'DESTROY_CLIENTID');
        break;
      }
      case 'SETCLIENTID':
        if (ok) this.replySetclientid(s, msg, server);
        break;
      case 'RENAME':
        if (ok) this.replyRename(s, server);
        break;
      case 'REMOVE': {
        const name = nameOf(field(s.args, 'target'));
        const dirKey = slotId(s.cfh);
        if (ok && name !== undefined && dirKey !== undefined) this.names.deleteChild(server, dirKey, name);
        break;
      }
      case 'READDIR':
        // Listings matter only for a directory somebody holds a delegation on.
        if (ok && client !== undefined && s.cfh?.hex !== undefined && this.delegsOn(server, s.cfh.hex) !== undefined) this.readdirReply(s, server, client, frame);
        break;
      default:
        break;
    }
    if (REVOCATION_STATUSES.has(status) && s.op !== 'DELEGRETURN' && s.op !== 'TEST_STATEID' && s.op !== 'FREE_STATEID') {
      const claimed = s.op === 'OPEN' && p?.events.some((e) => e.opIndex === s.index) === true;
      if (!claimed) this.revocationError(s.op, s.args, status, server, msg, t);
    }
  }

  private replyTestStateid(s: WalkStep, msg: RpcMessage, server: string, t: number): void {
    const frame = msg.record.frame;
    const ids = field(s.args, 'ts_stateids');
    const codes = path(s.res, 'tsr_resok4', 'tsr_status_codes');
    if (!Array.isArray(ids) || !Array.isArray(codes)) return;
    for (let i = 0; i < ids.length && i < codes.length; i++) {
      const d = this.findDeleg(server, asStateid(ids[i]));
      if (d === undefined) continue;
      const code = String(codes[i]);
      this.addEvent(d, { kind: 'tested', frame, time: t, xid: msg.xid, status: code });
      if (code === 'NFS4ERR_DELEG_REVOKED' || code === 'NFS4ERR_ADMIN_REVOKED' || code === 'NFS4ERR_EXPIRED') {
        this.revoke(d, frame, t, msg.xid, code, 'TEST_STATEID', true);
      }
    }
  }

  private replyExchangeId(s: WalkStep, p: Pending | undefined, msg: RpcMessage): void {
    const id = u64Hex(objectValue(objectValue(s.res)?.eir_resok4)?.eir_clientid);
    if (id === undefined) return;
    const c = this.client(id, msg.record.frame, msg.dst);
    const owner = bytesValue(objectValue(objectValue(s.args)?.eia_clientowner)?.co_ownerid);
    if (owner !== undefined) c.rec.owner = ownerText(owner);
    c.rec.minorversion = p?.nfs?.minorversion;
  }

  private replyCreateSession(s: WalkStep, msg: RpcMessage): void {
    const frame = msg.record.frame;
    const resok = objectValue(objectValue(s.res)?.csr_resok4);
    const sid = resok?.csr_sessionid;
    if (!(sid instanceof Uint8Array)) return;
    const sess = this.session(hexOf(sid), frame);
    const args = objectValue(s.args);
    const id = u64Hex(args?.csa_clientid);
    sess.client = id;
    sess.cbProgram = numberValue(args?.csa_cb_program);
    sess.flags = numberValue(resok?.csr_flags);
    this.bindConn(sess, msg.record.conn.id, ((sess.flags ?? 0) & 2) !== 0 ? 'both' : 'fore');
    if (id !== undefined) {
      const c = this.client(id, frame, msg.dst);
      if (c.rec.sessions.length < 64 && !c.rec.sessions.includes(sess.sessionid)) c.rec.sessions.push(sess.sessionid);
    }
  }

  private replyBindConn(s: WalkStep, msg: RpcMessage): void {
    const resok = field(s.res, 'bctsr_resok4');
    const sid = bytesField(resok, 'bctsr_sessid') ?? bytesField(s.args, 'bctsa_sessid');
    if (sid === undefined) return;
    const dir = enumField(resok, 'bctsr_dir');
    const d = dir === 'CDFS4_BACK' || dir === 2 ? 'back' : dir === 'CDFS4_BOTH' || dir === 3 ? 'both' : 'fore';
    this.bindConn(this.session(hexOf(sid), msg.record.frame), msg.record.conn.id, d);
  }

  private replySetclientid(s: WalkStep, msg: RpcMessage, server: string): void {
    const id = u64Hex(path(s.res, 'resok4', 'clientid'));
    if (id === undefined) return;
    const c = this.client(id, msg.record.frame, msg.dst);
    const owner = bytesField(field(s.args, 'client'), 'id');
    if (owner !== undefined) c.rec.owner = ownerText(owner);
    c.rec.minorversion = 0;
    const ident = numField(s.args, 'callback_ident');
    if (ident !== undefined) this.cbIdentClient.set(`${server}|${ident}`, id);
    this.connClient.set(connSide(msg, msg.dst), id);
  }

  private replyRename(s: WalkStep, server: string): void {
    const oldName = nameOf(field(s.args, 'oldname'));
    const newName = nameOf(field(s.args, 'newname'));
    const from = slotId(s.sfh);
    const to = slotId(s.cfh);
    if (oldName === undefined || newName === undefined || from === undefined) return;
    const obj = this.childOf(server, from, oldName);
    if (obj !== undefined && to !== undefined) this.learnName(server, obj, newName, to);
  }

  private grantFromOpenDelegation(deleg: unknown, op: 'OPEN' | 'WANT_DELEGATION' | 'CB_PUSH_DELEG', fh: string | undefined,
    p: Pending | undefined, msg: RpcMessage, server: string, client: string | undefined, t: number): void {
    // Named loads of open_delegation4 (see wire-views.ts, objectValue): every OPEN reply comes here.
    const od = objectValue(deleg);
    const type = od?.delegation_type;
    let kind: DelegationKind;
    let arm: Obj | undefined;
    if (type === 'OPEN_DELEGATE_READ' || type === 1 || type === 'OPEN_DELEGATE_READ_ATTRS_DELEG' || type === 4) {
      kind = 'read';
      arm = objectValue(od?.read);
    } else if (type === 'OPEN_DELEGATE_WRITE' || type === 2 || type === 'OPEN_DELEGATE_WRITE_ATTRS_DELEG' || type === 5) {
      kind = 'write';
      arm = objectValue(od?.write);
    } else {
      return;
    }
    const sid = arm?.stateid;
    if (!isStateid(sid)) return;
    const d = this.grant(server, sid, kind, fh, client, op === 'CB_PUSH_DELEG' ? msg.dst : p?.src ?? msg.dst, msg.record.frame, t);
    if (d === undefined) return;
    this.addEvent(d, {
      kind: 'granted', frame: msg.record.frame, time: t, xid: msg.xid, op, callFrame: p?.frame,
      client: client ?? '?', recall: boolField(arm, 'recall'),
    });
  }

  /** Creates the record for a new grant (retiring a finished one with the same stateid). */
  private grant(server: string, sid: StateidValue, kind: DelegationKind, fh: string | undefined, client: string | undefined,
    address: string | undefined, frame: number, t: number): Deleg | undefined {
    const other = stateidKey(sid);
    if (other === undefined) return undefined;
    let d = this.delegByStateid(server, other);
    if (d !== undefined && d.terminalAt !== undefined) {
      this.retire(d, false);
      d = undefined;
    }
    if (d !== undefined && ((fh !== undefined && d.rec.fh !== undefined && fh !== d.rec.fh)
      || (client !== undefined && d.rec.holder !== undefined && client !== d.rec.holder))) {
      // The same `other` for another object or client while the first is still held: the
      // server reused a stateid. Keep both lives apart.
      this.problem(d, 'duplicate-grant', `stateid reused (frame ${frame}) for ${fh !== d.rec.fh ? 'another object' : 'another client'} while still held`, frame);
      this.retire(d, false);
      d = undefined;
    }
    if (d !== undefined) {
      // Granted again on the same object to the same client (a new OPEN): one life goes on.
      d.rec.stateid = { seqid: sid.seqid, other };
      this.setFh(d, fh);
    } else {
      d = this.newDeleg(server, undefined, sid, kind, frame, t, 'granted', client, fh);
    }
    this.setHolder(d, client, address);
    this.counts.granted++;
    if (client !== undefined) this.client(client, frame).granted++;
    return d;
  }

  private gddReply(s: WalkStep, p: Pending | undefined, msg: RpcMessage, server: string, client: string | undefined, t: number): void {
    const nonFatal = field(s.res, 'gddr_res_non_fatal4');
    const st = enumField(nonFatal, 'gddrnf_status');
    const fh = s.cfh?.hex;
    const frame = msg.record.frame;
    const requested = notifyMaskNames(bitmapField(s.args, 'gdda_notification_types'));
    if (st === 'GDD4_OK' || st === 0) {
      const resok = field(nonFatal, 'gddrnf_resok4');
      const sid = stateidField(resok, 'gddr_stateid');
      if (sid === undefined) return;
      const d = this.grant(server, sid, 'directory', fh, client, p?.src ?? msg.dst, frame, t);
      if (d === undefined) return;
      const mask = bitmapField(resok, 'gddr_notification');
      // Notification types are bits 0-16 (RFC 8881, 8881bis): the first word says all, and a
      // hostile bitmap of 262,144 words kept per delegation took 2 MB each.
      d.notifyMask = mask !== undefined && mask.length > 1 ? mask.slice(0, 1) : mask;
      d.rec.notificationTypes = notifyMaskNames(mask);
      const cv = bytesField(resok, 'gddr_cookieverf');
      const child = bitmapField(resok, 'gddr_child_attributes');
      const dirAttrs = bitmapField(resok, 'gddr_dir_attributes');
      this.addEvent(d, {
        kind: 'granted', frame, time: t, xid: msg.xid, op: 'GET_DIR_DELEGATION', callFrame: p?.frame, client: client ?? '?',
        notificationTypes: d.rec.notificationTypes, requestedNotificationTypes: requested,
        childAttributes: child === undefined ? undefined : attrMaskNames(child),
        dirAttributes: dirAttrs === undefined ? undefined : attrMaskNames(dirAttrs),
        cookieverf: cv === undefined ? undefined : hexOf(cv),
      });
      if (client !== undefined && fh !== undefined) {
        const v = this.views.get(viewKey(server, client, fh));
        if (v !== undefined) d.view = v;
        if (cv !== undefined && d.view !== undefined) d.view.cookieverf ??= hexOf(cv);
      }
    } else if (st === 'GDD4_UNAVAIL' || st === 1) {
      const key = `unavail|${server}|${client ?? '?'}|${fh ?? '?'}`;
      let d = this.unavailable.get(key);
      if (d === undefined) {
        d = this.newDeleg(server, key, undefined, 'directory', frame, t, 'unavailable', client, fh);
        d.rec.holderAddress = p?.src;
        // No state to return: retire like a finished delegation.
        d.terminalAt = t;
        this.fhGen++;
        this.terminalQueue.push(d);
      }
      this.counts.unavailable++;
      this.addEvent(d, {
        kind: 'unavailable', frame, time: t, xid: msg.xid, callFrame: p?.frame, client: client ?? '?',
        willSignal: boolField(nonFatal, 'gddrnf_will_signal_deleg_avail'), requestedNotificationTypes: requested,
      });
    }
  }

  // ------------------------------------------------------------------------------ directory views

  /** Listings by viewKey. An evicted one is emptied and marked truncated: the delegations
   *  that point at it (d.view) stop checking against it, and its names are let go of. */
  private readonly views = new LruMap<string, DirView>(MAX_VIEWS, (_key, v) => dropView(v));

  /** The holder's listing of a directory, from its READDIR replies (a listing from cookie 0 to eof is complete). */
  private readdirReply(s: WalkStep, server: string, client: string, frame: number): void {
    const dir = s.cfh?.hex;
    if (dir === undefined) return;
    const resok = field(s.res, 'resok4');
    const reply = field(resok, 'reply');
    const cv = bytesField(resok, 'cookieverf');
    const startCookie = u64Number(field(s.args, 'cookie'));
    const key = viewKey(server, client, dir);
    let v = this.views.get(key);
    if (v === undefined || startCookie === 0) {
      v = { names: new Map(), complete: false, truncated: false };
      this.views.set(key, v);
    }
    const cvHex = cv === undefined ? undefined : hexOf(cv);
    // The delegations of this client on this directory see the listing.
    const onDir = delegsIn(this.delegsOn(server, dir));
    for (const d of onDir) {
      if (d.rec.holder !== client || d.terminalAt !== undefined || d.rec.kind !== 'directory') continue;
      if (d.view !== undefined && d.view !== v && d.view.cookieverf !== undefined && cvHex !== undefined && d.view.cookieverf !== cvHex) {
        this.problem(d, 'view-divergence', `cookie verifier changed from ${d.view.cookieverf} to ${cvHex} (READDIR reply frame ${frame})`, frame);
      }
      d.view = v;
    }
    if (cvHex !== undefined) {
      for (const d of onDir) {
        if (d.view === v && v.cookieverf !== undefined && v.cookieverf !== cvHex && startCookie !== 0) {
          this.problem(d, 'view-divergence', `cookie verifier changed from ${v.cookieverf} to ${cvHex} (READDIR reply frame ${frame})`, frame);
        }
      }
      v.cookieverf = cvHex;
    }
    let entry: unknown = field(reply, 'entries');
    const list: unknown[] = [];
    if (Array.isArray(entry)) list.push(...entry.slice(0, MAX_VIEW_NAMES));
    else {
      for (let i = 0; entry !== null && entry !== undefined && i < MAX_VIEW_NAMES; i++) {
        list.push(entry);
        entry = first(field(entry, 'nextentry'));
      }
    }
    for (const e of list) {
      const name = nameOf(field(e, 'name'));
      if (name === undefined) continue;
      if (v.names.size >= MAX_VIEW_NAMES) {
        v.truncated = true;
        break;
      }
      v.names.set(name, cookieValue(field(e, 'cookie')));
      const fhAttr = path(e, 'attrs', 'attrs', 'filehandle');
      if (fhAttr instanceof Uint8Array) this.learnName(server, hexOf(fhAttr), name, dir);
    }
    if (boolField(reply, 'eof') === true && (startCookie === 0 || v.names.size > 0)) v.complete = true;
  }

  /** Applies one notification entry to the holder's view of the directory; reports what cannot be. */
  private applyToView(d: Deleg, e: NotifyEntry, frame: number): void {
    const v = d.view;
    if (v === undefined || !v.complete || v.truncated) return;
    const has = (n: string | undefined): boolean => n !== undefined && v.names.has(n);
    switch (e.type) {
      case 'NOTIFY4_ADD_ENTRY':
        if (e.name === undefined) return;
        if (has(e.name) && e.replacedName !== e.name) this.problem(d, 'view-divergence', `ADD of "${e.name}" which the holder's listing already has (frame ${frame})`, frame);
        if (e.replacedName !== undefined) v.names.delete(e.replacedName);
        addToView(v, e.name, e.cookie);
        break;
      case 'NOTIFY4_REMOVE_ENTRY':
        if (e.name === undefined) return;
        if (!has(e.name)) this.problem(d, 'view-divergence', `REMOVE of "${e.name}" which the holder's listing does not have (frame ${frame})`, frame);
        v.names.delete(e.name);
        break;
      case 'NOTIFY4_RENAME_ENTRY':
        if (e.name === undefined || e.newName === undefined) return;
        if (!has(e.name)) this.problem(d, 'view-divergence', `RENAME of "${e.name}" which the holder's listing does not have (frame ${frame})`, frame);
        v.names.delete(e.name);
        addToView(v, e.newName, e.cookie);
        break;
      case 'NOTIFY4_CHANGE_COOKIE_VERIFIER':
        if (e.oldCookieverf !== undefined && v.cookieverf !== undefined && e.oldCookieverf !== v.cookieverf) {
          this.problem(d, 'view-divergence', `cookie verifier change from ${e.oldCookieverf}, but the holder has ${v.cookieverf} (frame ${frame})`, frame);
        }
        if (e.newCookieverf !== undefined) v.cookieverf = e.newCookieverf;
        break;
      default:
        break;
    }
  }

  // ------------------------------------------------------------------------------ notification completeness

  /** For each mutation of a call, what the holders of directory delegations on the directory should be told. */
  private expect(fore: ForeCall): void {
    for (const m of fore.mutations) {
      switch (m.kind) {
        case 'create':
        case 'open-create':
        case 'link':
          this.expectOn(fore, m, m.dir, 'add', NOTIFY4_ADD_ENTRY, m.name);
          break;
        case 'remove':
          this.expectOn(fore, m, m.dir, 'remove', NOTIFY4_REMOVE_ENTRY, m.name);
          break;
        case 'rename':
          if (m.dir !== undefined && m.dir === m.toDir) {
            this.expectOn(fore, m, m.dir, 'rename', -1, m.name, m.newName);
          } else {
            this.expectOn(fore, m, m.dir, 'remove', NOTIFY4_REMOVE_ENTRY, m.name);
            this.expectOn(fore, m, m.toDir, 'add', NOTIFY4_ADD_ENTRY, m.newName);
          }
          break;
        case 'setattr':
          if (m.obj !== undefined) this.expectOn(fore, m, m.obj, 'dir-attrs', NOTIFY4_CHANGE_DIR_ATTRS, undefined);
          this.expectOn(fore, m, m.dir, 'child-attrs', NOTIFY4_CHANGE_CHILD_ATTRS, m.name);
          break;
        default:
          break;
      }
    }
  }

  private expectOn(fore: ForeCall, m: Mutation, dir: string | undefined, type: Exclude<ExpType, 'recall'>, bit: number, name?: string, newName?: string): void {
    if (dir === undefined) return;
    const on = this.delegsOn(fore.server, dir);
    if (on === undefined) return;
    const ds = delegsIn(on);
    const onCount = on instanceof Deleg ? 1 : on.size;
    let exp: Expectation | undefined;
    for (const d of ds) {
      if (d.rec.kind !== 'directory' || d.rec.stateid === undefined || d.terminalAt !== undefined || d.rec.holder === fore.client) continue;
      if (d.rec.fh !== dir) continue;
      const mask = d.notifyMask;
      const wanted = bit >= 0 ? maskHasBit(mask, bit)
        : maskHasBit(mask, NOTIFY4_RENAME_ENTRY) || (maskHasBit(mask, NOTIFY4_ADD_ENTRY) && maskHasBit(mask, NOTIFY4_REMOVE_ENTRY));
      // A change of a child's attributes the holder did not ask about concerns nobody.
      if (!wanted && type === 'child-attrs') continue;
      if (exp === undefined) {
        if (this.openExpSlots >= MAX_OPEN_EXPECTATION_SLOTS) {
          this.drops.add('changes not followed for notification (too many holders x changes waiting at once)');
          return;
        }
        exp = {
          call: fore, mutation: m, type, name, newName, confirmed: false, failed: false, settled: false, gone: 0,
          // Sized for every delegation on the directory (most are holders), up to a limit: past
          // it, writing at index `count` grows the arrays as needed.
          members: new Array<Deleg>(Math.min(onCount, 1024)), state: new Array<number>(Math.min(onCount, 1024)), count: 0,
        };
        this.openExps.push(exp);
        if (fore.expectations === NO_CALL_EXPECTATIONS) fore.expectations = [exp];
        else fore.expectations.push(exp);
      }
      if (d.expLive >= MAX_EXPECTATIONS) this.judgeOldest(d);
      if (d.exps === NO_EXPS) {
        d.exps = [exp];
        d.expSlots = [exp.count];
      } else {
        if (d.exps.length >= 2 * d.expLive + 32) compactExps(d);
        d.exps.push(exp);
        d.expSlots.push(exp.count);
      }
      d.expLive++;
      exp.members[exp.count] = d;
      exp.state[exp.count++] = wanted ? 0 : EXP_RECALL;
      this.openExpSlots++;
    }
  }

  /** Beyond MAX_EXPECTATIONS a delegation's oldest expectation is judged at once. */
  private judgeOldest(d: Deleg): void {
    for (let i = d.expHead; i < d.exps.length; i++) {
      const x = d.exps[i];
      const slot = d.expSlots[i];
      if (!expAlive(x, slot)) continue;
      d.expHead = i + 1;
      x.state[slot] |= EXP_GONE;
      expDied(d);
      this.judgeExpectation(d, x, x.state[slot]);
      this.memberGone(x);
      return;
    }
  }

  private confirmExpectations(fore: ForeCall, nfs: NfsCompound | undefined): void {
    for (const exp of fore.expectations) {
      const op = nfs?.ops[exp.mutation.opIndex];
      let happened = op?.status === 'NFS4_OK';
      if (happened && exp.mutation.kind === 'open-create') {
        // OPEN(create) of an existing file changes nothing: change_info4 before == after.
        const cinfo = path(op?.res, 'resok4', 'cinfo');
        const before = field(cinfo, 'before');
        const after = field(cinfo, 'after');
        if (before !== undefined && before === after) happened = false;
      }
      if (!happened) {
        if (!exp.failed && !exp.settled) {
          for (let i = 0; i < exp.count; i++) if ((exp.state[i] & EXP_GONE) === 0) expDied(exp.members[i]);
        }
        exp.failed = true;
        continue;
      }
      exp.confirmed = true;
      if (exp.matched === undefined) continue;
      // In member order, as the entries were matched holder by holder.
      const slots = [...exp.matched.keys()].sort((a, b) => a - b);
      for (const slot of slots) {
        for (const { entry, time } of exp.matched.get(slot) as Array<{ entry: NotifyEntry; time: number }>) {
          if (entry.mutation !== undefined && fore.replyTime !== undefined) {
            const lat = time - fore.replyTime;
            entry.mutation.replyFrame = fore.replyFrame;
            entry.mutation.latency = lat;
            this.notifyLatency.add(lat);
          }
        }
      }
    }
  }

  /** An expectation at the end of its life for one holder (`flags`: its state flags there):
   *  matched, covered by a recall, or missed. */
  private judgeExpectation(d: Deleg, exp: Expectation, flags: number): void {
    const recall = (flags & EXP_RECALL) !== 0;
    const addDone = (flags & EXP_ADD_DONE) !== 0;
    const removeDone = (flags & EXP_REMOVE_DONE) !== 0;
    const done = !recall && exp.type === 'rename' ? addDone && removeDone : addDone || removeDone;
    if (done || !exp.confirmed) return;
    const t = exp.call.replyTime ?? exp.call.callTime;
    if (recall) {
      // Any recall covers it: one sent after the change, or one still outstanding before it.
      if (d.recallAt !== undefined) return;
      if (d.returnCallAt !== undefined && d.returnCallAt <= t) return;
      exp.unrecalledText ??= (() => {
        const what = exp.newName !== undefined ? `${exp.name ?? '?'} -> ${exp.newName}` : exp.name ?? '';
        return `${exp.mutation.op} ${what} by ${exp.call.client} (call frame ${exp.call.callFrame}, reply ${exp.call.replyFrame ?? '?'}): not a notification the holder asked for, yet no recall followed`;
      })();
      this.problem(d, 'unrecalled-change', exp.unrecalledText, exp.call.callFrame);
      return;
    }
    if (d.recallAt !== undefined && t >= d.recallAt - this.opt.overflowWindow) return; // covered by the recall
    if (d.returnCallAt !== undefined && t >= d.returnCallAt) return; // after the holder gave it back
    const what = exp.type === 'rename' ? `${exp.name ?? '?'} -> ${exp.newName ?? '?'}` : exp.name ?? '';
    if (exp.type === 'rename' && (addDone || removeDone)) {
      this.problem(d, 'missed-notification',
        `${exp.mutation.op} ${what} by ${exp.call.client} (call frame ${exp.call.callFrame}, reply ${exp.call.replyFrame ?? '?'}) never notified (only partly notified), no recall covers it`,
        exp.call.callFrame);
      return;
    }
    exp.missedText ??= `${exp.mutation.op} ${what} by ${exp.call.client} (call frame ${exp.call.callFrame}, reply ${exp.call.replyFrame ?? '?'}) never notified, no recall covers it`;
    this.problem(d, 'missed-notification', exp.missedText, exp.call.callFrame);
  }

  /** Matches one notify entry to the oldest open expectation of the delegation. */
  private matchEntry(d: Deleg, e: NotifyEntry, time: number): boolean {
    for (let i = d.expHead; i < d.exps.length; i++) {
      const x = d.exps[i];
      const slot = d.expSlots[i];
      if (!expAlive(x, slot)) continue;
      let f = x.state[slot];
      const type = (f & EXP_RECALL) !== 0 ? 'recall' : x.type;
      const addDone = (f & EXP_ADD_DONE) !== 0;
      const removeDone = (f & EXP_REMOVE_DONE) !== 0;
      let hit = false;
      switch (e.type) {
        case 'NOTIFY4_ADD_ENTRY':
          if ((type === 'add' && !addDone && x.name === e.name) || (type === 'rename' && !addDone && x.newName === e.name)) {
            hit = true;
            f |= EXP_ADD_DONE;
          }
          break;
        case 'NOTIFY4_REMOVE_ENTRY':
          if ((type === 'remove' || type === 'rename') && !removeDone && x.name === e.name) {
            hit = true;
            f |= EXP_REMOVE_DONE;
          }
          break;
        case 'NOTIFY4_RENAME_ENTRY':
          if (type === 'rename' && !addDone && !removeDone && x.name === e.name && x.newName === e.newName) {
            hit = true;
            f |= EXP_ADD_DONE | EXP_REMOVE_DONE;
          }
          break;
        case 'NOTIFY4_CHANGE_CHILD_ATTRS':
          if (type === 'child-attrs' && !addDone && x.name === e.name) {
            hit = true;
            f |= EXP_ADD_DONE;
          }
          break;
        case 'NOTIFY4_CHANGE_DIR_ATTRS':
          if (type === 'dir-attrs' && !addDone) {
            hit = true;
            f |= EXP_ADD_DONE;
          }
          break;
        default:
          break;
      }
      if (!hit) continue;
      e.mutation = { op: x.mutation.op, client: x.call.client, callFrame: x.call.callFrame };
      if (x.call.replyTime !== undefined) {
        e.mutation.replyFrame = x.call.replyFrame;
        e.mutation.latency = time - x.call.replyTime;
        this.notifyLatency.add(e.mutation.latency);
      } else {
        const m = (x.matched ??= new Map());
        const list = m.get(slot);
        if (list === undefined) m.set(slot, [{ entry: e, time }]);
        else list.push({ entry: e, time });
      }
      const done = type === 'rename' ? (f & EXP_ADD_DONE) !== 0 && (f & EXP_REMOVE_DONE) !== 0 : true;
      if (done) {
        f |= EXP_GONE;
        expDied(d);
      }
      x.state[slot] = f;
      if (done) this.memberGone(x);
      return true;
    }
    return false;
  }

  /**
   * A notification with no expectation: the change may have been made before the correlator
   * knew of the delegation (capture started after the grant). Look for it among recent calls.
   */
  private matchRecent(d: Deleg, e: NotifyEntry, t: number): boolean {
    const fh = d.rec.fh;
    if (fh === undefined) return false;
    const r = this.recent;
    const n = r.count;
    for (let k = 0; k < n; k++) {
      const i = r.at(k);
      const callTime = r.callTime[i];
      if (callTime > t) continue;
      if (t - callTime > this.opt.notifyTimeout) break;
      const f = r.obj[i];
      if (f === undefined) {
        if (this.matchPacked(d, e, t, i, fh)) return true;
        continue;
      }
      if (f.client === d.rec.holder || f.server !== d.server || (f.status !== undefined && f.status !== 'NFS4_OK')) continue;
      for (const m of f.mutations) {
        if (m.lateMatches?.includes(d.rec.id) === true || !entryFits(e, m, fh)) continue;
        (m.lateMatches ??= []).push(d.rec.id);
        e.mutation = { op: m.op, client: f.client, callFrame: f.callFrame };
        if (f.replyTime !== undefined) {
          e.mutation.replyFrame = f.replyFrame;
          e.mutation.latency = t - f.replyTime;
        }
        return true;
      }
    }
    return false;
  }

  /** matchRecent for a packed ring entry: its one change (writes never fit a notification). */
  private matchPacked(d: Deleg, e: NotifyEntry, t: number, i: number, fh: string): boolean {
    const r = this.recent;
    const kind = r.changeKind[i];
    if (kind === undefined) return false;
    const client = r.client[i];
    const status = r.status[i];
    if (client === d.rec.holder || r.server[i] !== d.server || (status !== undefined && status !== 'NFS4_OK')) return false;
    const late = r.changeLate[i];
    if (late !== undefined && late.includes(d.rec.id)) return false;
    const view = this.changeView;
    view.kind = kind;
    view.dir = r.changeDir[i];
    view.name = r.changeName[i];
    view.toDir = r.changeToDir[i];
    view.newName = r.changeNewName[i];
    view.obj = r.changeObj[i];
    if (!entryFits(e, view, fh)) return false;
    if (late === undefined) r.changeLate[i] = [d.rec.id];
    else late.push(d.rec.id);
    e.mutation = { op: opOfKind(kind), client, callFrame: r.callFrame[i] };
    const replyTime = r.replyTime[i];
    if (replyTime === replyTime) {
      e.mutation.replyFrame = r.replyFrame[i];
      e.mutation.latency = t - replyTime;
    }
    return true;
  }

  /** Reused by matchPacked to show a packed change to entryFits. */
  private readonly changeView: ChangeView = { kind: '', dir: undefined, name: undefined, toDir: undefined, newName: undefined, obj: undefined };

  // ------------------------------------------------------------------------------ back channel

  private onCbCall(p: Pending, msg: RpcMessage, nfs: NfsCompound, t: number): void {
    const server = ipOf(msg.src);
    const frame = msg.record.frame;
    let client: string | undefined;
    let referring: ForeCall | undefined;
    p.counted = true;
    for (const op of nfs.ops) this.cbOpStats.getByNum(op.opnum, op.op).calls++;
    const seq = nfs.ops.find((o) => o.op === 'CB_SEQUENCE');
    if (seq !== undefined) {
      const args = objectValue(seq.args);
      const sid = bytesValue(args?.csa_sessionid);
      if (sid !== undefined) {
        const s = this.session(hexOf(sid), frame);
        this.bindConn(s, msg.record.conn.id, 'back');
        client = s.client ?? `session:${s.sessionid}`;
      }
      const lists = args?.csa_referring_call_lists;
      if (Array.isArray(lists)) {
        for (const l of lists.slice(0, 16)) {
          const rsid = bytesField(l, 'rcl_sessionid');
          const calls = field(l, 'rcl_referring_calls');
          if (rsid === undefined || !Array.isArray(calls)) continue;
          for (const rc of calls.slice(0, 64)) {
            const f = referring === undefined ? this.referringCall(server, rsid, numField(rc, 'rc_slotid'), numField(rc, 'rc_sequenceid')) : undefined;
            if (f !== undefined) referring = f;
          }
        }
      }
    } else if (nfs.callbackIdent !== undefined) {
      client = this.cbIdentClient.get(`${server}|${nfs.callbackIdent}`);
    }
    p.client = client;
    for (let i = 0; i < nfs.ops.length; i++) {
      const op = nfs.ops[i];
      switch (op.op) {
        case 'CB_RECALL':
          this.cbRecall(p, i, op, msg, server, client, referring, t);
          break;
        case 'CB_NOTIFY':
          this.cbNotify(p, i, op, msg, server, client, t);
          break;
        case 'CB_RECALL_ANY': {
          const mask = bitmapField(op.args, 'craa_type_mask') ?? [];
          const names = bitmapBits(mask).map((b) => RCA_NAMES[b] ?? `RCA4_TYPE_MASK_${b}`);
          this.clientEvent(client, frame, t, 'recall-any', names.join('|'));
          let n = 0;
          for (const d of this.byClient.get(client ?? '') ?? []) {
            if (d.terminalAt !== undefined || n++ >= 10_000) continue;
            const bit = d.rec.kind === 'read' ? 0 : d.rec.kind === 'write' ? 1 : d.rec.kind === 'directory' ? 2 : -1;
            if (bit >= 0 && !maskHasBit(mask, bit)) continue;
            const e: DelegationEvent = { kind: 'recall-any', frame, time: t, xid: msg.xid, objectsToKeep: numField(op.args, 'craa_objects_to_keep'), typeMask: names };
            this.addEvent(d, e);
            pushEvent(p, { opIndex: i, deleg: d, event: e });
          }
          break;
        }
        case 'CB_PUSH_DELEG': {
          const fhb = bytesField(op.args, 'cpda_fh');
          this.grantFromOpenDelegation(field(op.args, 'cpda_delegation'), 'CB_PUSH_DELEG', fhb === undefined ? undefined : hexOf(fhb), undefined, msg, server, client, t);
          break;
        }
        case 'CB_GETATTR': {
          const fhb = bytesField(op.args, 'fh');
          if (fhb === undefined) break;
          for (const d of delegsIn(this.delegsOn(server, hexOf(fhb)))) {
            if (d.terminalAt !== undefined || (client !== undefined && d.rec.holder !== client)) continue;
            const e: DelegationEvent = { kind: 'cb-getattr', frame, time: t, xid: msg.xid };
            this.addEvent(d, e);
            pushEvent(p, { opIndex: i, deleg: d, event: e });
          }
          break;
        }
        default:
          break;
      }
    }
  }

  private cbRecall(p: Pending, i: number, op: NfsOp, msg: RpcMessage, server: string, client: string | undefined,
    referring: ForeCall | undefined, t: number): void {
    const sid = stateidField(op.args, 'stateid');
    if (sid === undefined) return;
    const fhb = bytesField(op.args, 'fh');
    const fh = fhb === undefined ? undefined : hexOf(fhb);
    const frame = msg.record.frame;
    const d = this.sightDeleg(server, sid, 'unknown', frame, t, 'recalled', client, fh);
    if (d === undefined) return;
    if (fh !== undefined && d.rec.fh !== undefined && d.rec.fh !== fh) {
      this.problem(d, 'fh-mismatch', `CB_RECALL (frame ${frame}) names filehandle ${fh}, the delegation is on ${d.rec.fh}`, frame);
    }
    if (d.rec.state === 'returned' || d.rec.state === 'freed') {
      const raced = d.returnedAt === undefined || (d.returnCallAt !== undefined && d.returnedAt >= t);
      if (!raced) this.problem(d, 'recall-after-return', `CB_RECALL (frame ${frame}) after the delegation was returned`, frame);
    }
    const cause = this.findCause(d, t, referring, client);
    this.causeCounts[cause.kind] = (this.causeCounts[cause.kind] ?? 0) + 1;
    const e: DelegationEvent = { kind: 'recalled', frame, time: t, xid: msg.xid, truncate: boolField(op.args, 'truncate'), fh, cause };
    if (d.returnCallAt !== undefined && d.returnCallAt <= t && (d.returnedAt === undefined || d.returnedAt >= t)) {
      e.racedWithReturn = true;
    }
    this.addEvent(d, e);
    pushEvent(p, { opIndex: i, deleg: d, event: e });
    if (d.recallAt === undefined) {
      d.recallAt = t;
      this.counts.recalled++;
      if (d.rec.holder !== undefined) this.client(d.rec.holder, frame).recalls++;
    }
    if (d.terminalAt === undefined) {
      d.rec.state = 'recalled';
      this.recalled.add(d);
    }
  }

  private cbNotify(p: Pending, i: number, op: NfsOp, msg: RpcMessage, server: string, client: string | undefined, t: number): void {
    const sid = stateidField(op.args, 'cna_stateid');
    if (sid === undefined) return;
    const fhb = bytesField(op.args, 'cna_fh');
    const fh = fhb === undefined ? undefined : hexOf(fhb);
    const frame = msg.record.frame;
    const d = this.sightDeleg(server, sid, 'directory', frame, t, 'notified', client, fh);
    if (d === undefined) return;
    if (fh !== undefined && d.rec.fh !== undefined && d.rec.fh !== fh) {
      this.problem(d, 'fh-mismatch', `CB_NOTIFY (frame ${frame}) names filehandle ${fh}, the delegation is on ${d.rec.fh}`, frame);
    }
    if (d.returnedAt !== undefined && d.returnedAt < t) {
      this.problem(d, 'notify-after-return', `CB_NOTIFY (frame ${frame}) after the delegation was returned`, frame);
    } else if ((d.rec.state === 'revoked' || d.rec.state === 'freed') && d.terminalAt !== undefined && d.terminalAt < t) {
      this.problem(d, 'notify-after-return', `CB_NOTIFY (frame ${frame}) after the delegation was ${d.rec.state}`, frame);
    }
    const entries: NotifyEntry[] = [];
    const changes = field(op.args, 'cna_changes');
    if (Array.isArray(changes)) {
      for (const ch of changes) {
        if (entries.length >= MAX_ENTRIES_PER_NOTIFY) {
          this.drops.add('CB_NOTIFY entries beyond the per-call cap (counted, not kept)');
          break;
        }
        const values = field(ch, 'values');
        if (!Array.isArray(values)) {
          const mask = bitmapField(ch, 'notify_mask');
          entries.push({ type: notifyMaskNames(mask).join('|') || 'EMPTY' });
          continue;
        }
        for (const v of values.slice(0, MAX_ENTRIES_PER_NOTIFY - entries.length)) entries.push(notifyEntryOf(v));
      }
    }
    // A notification soon after the capture started may be for a change made before it.
    const judgeable = this.firstTime !== undefined && t - this.firstTime > this.opt.notifyTimeout;
    for (const e of entries) {
      if (this.matchEntry(d, e, t) || this.matchRecent(d, e, t) || !judgeable) continue;
      if (e.type === 'NOTIFY4_ADD_ENTRY' || e.type === 'NOTIFY4_REMOVE_ENTRY' || e.type === 'NOTIFY4_RENAME_ENTRY' || e.type === 'NOTIFY4_CHANGE_CHILD_ATTRS') {
        this.problem(d, 'unmatched-notification',
          `CB_NOTIFY (frame ${frame}) ${e.type.replace('NOTIFY4_', '')} ${e.name ?? ''}${e.newName !== undefined ? ' -> ' + e.newName : ''}: no matching change by another client seen (server-local change, or before the capture)`, frame);
      }
    }
    for (const e of entries) this.applyToView(d, e, frame);
    d.notifyCalls++;
    d.rec.notifications++;
    d.rec.notifiedChanges += entries.length;
    if (d.recentNotifies === NO_RECENT_NOTIFIES) d.recentNotifies = [{ frame, time: t, entries: entries.length }];
    else d.recentNotifies.push({ frame, time: t, entries: entries.length });
    if (d.recentNotifies.length > MAX_RECENT_NOTIFIES) d.recentNotifies.shift();
    if (d.rec.holder !== undefined) this.client(d.rec.holder, frame).notifications++;
    const e: DelegationEvent = { kind: 'notified', frame, time: t, xid: msg.xid, fh, entries };
    this.addEvent(d, e);
    pushEvent(p, { opIndex: i, deleg: d, event: e });
  }

  private onCbReply(p: Pending, msg: RpcMessage, nfs: NfsCompound | undefined, t: number): void {
    for (const pe of p.events) {
      const status = nfs?.ops[pe.opIndex]?.status
        ?? (nfs?.status !== undefined ? `not executed (${nfs.status})` : msg.header.msgType === 'reply' ? (msg.header.acceptStat ?? msg.header.replyStat) : 'no reply body');
      const reply: ReplyRef = { frame: msg.record.frame, time: t, status };
      const e = pe.event;
      if (e.kind === 'notified' || e.kind === 'recalled' || e.kind === 'recall-any' || e.kind === 'cb-getattr') e.reply = reply;
      if (status === 'NFS4_OK') continue;
      if (e.kind === 'recalled') {
        // The holder already gave it back (a DELEGRETURN in flight): "no such delegation" is the right answer.
        const raced = pe.deleg.returnCallAt !== undefined && pe.deleg.returnCallAt <= t && (status === 'NFS4ERR_BAD_STATEID' || status === 'NFS4ERR_BADHANDLE');
        if (!raced) this.problem(pe.deleg, 'recall-error', `CB_RECALL (frame ${e.frame}) answered ${status} (frame ${msg.record.frame})`, msg.record.frame);
      } else if (e.kind === 'notified') {
        this.problem(pe.deleg, 'notify-error', `CB_NOTIFY (frame ${e.frame}) answered ${status} (frame ${msg.record.frame})`, msg.record.frame);
      }
    }
  }

  // ------------------------------------------------------------------------------ recall causes

  /** Is this call a conflict for the delegation (another client touching its object in a way that needs a recall)? */
  private conflictScore(d: Deleg, f: ForeCall): number {
    if (d.rec.holder !== undefined && f.client === d.rec.holder) return 0;
    // Another server's object with the same filehandle bytes is not this one.
    if (f.server !== d.server) return 0;
    const fh = d.rec.fh;
    if (fh === undefined || !touches(f, fh)) return 0;
    if (f.status === 'NFS4ERR_DELAY') return 3;
    if (d.rec.kind === 'directory') {
      let uncovered = false;
      let any = false;
      for (const m of f.mutations) {
        // What changes a directory: its entries, or its own attributes. Writes to a child or a
        // child's attributes are at most notified, never a reason to recall.
        const entryChange = m.kind !== 'setattr' && m.kind !== 'write' && m.kind !== 'open-write' && (m.dir === fh || m.toDir === fh);
        if (!entryChange && !(m.kind === 'setattr' && m.obj === fh)) continue;
        any = true;
        if (!notifiedOf(f, d, m)) uncovered = true;
      }
      if (uncovered) return 2;
      // A change the holder is notified of is no conflict; plain reads are none either.
      return any ? 0 : f.replyFrame === undefined ? 1 : 0;
    }
    // A file: a change to it (open for write, write, setattr, remove, rename, link) conflicts
    // with any delegation; any access at all conflicts with a write delegation.
    if (f.mutations.some((m) => m.obj === fh)) return 2;
    return d.rec.kind === 'read' ? 0 : 1;
  }

  /** The best conflicting call findCause() has found so far (considerCause). */
  private causeBest: ForeCall | undefined;
  private causeBestScore = 0;
  private causeBestVia: 'in-flight' | 'recent' = 'recent';

  private findCause(d: Deleg, t: number, referring: ForeCall | undefined, cbClient: string | undefined): RecallCause {
    if (referring !== undefined) return this.conflictCause(d, referring, 'referring-call', t);
    this.causeBest = undefined;
    this.causeBestScore = 0;
    this.causeBestVia = 'recent';
    const inFlight = this.inFlight;
    const inFlightLen = this.inFlightLen;
    for (let i = 0; i < inFlightLen; i++) {
      const f = inFlight[i];
      if (f.flying) this.considerCause(d, f, t, cbClient, 'in-flight');
    }
    const r = this.recent;
    const n = r.count;
    for (let k = 0; k < n; k++) {
      const i = r.at(k);
      const replyTime = r.replyTime[i];
      if (replyTime !== replyTime) continue; // NaN: in flight, seen above
      if (replyTime < t - this.opt.conflictWindow) {
        if (r.callTime[i] < t - this.opt.conflictWindow - 60) break;
        continue;
      }
      const f = r.obj[i];
      if (f !== undefined) this.considerCause(d, f, t, cbClient, 'recent');
      else this.considerPacked(d, i, t, cbClient);
    }
    const best = this.causeBest;
    this.causeBest = undefined;
    if (best !== undefined) return this.conflictCause(d, best, this.causeBestVia, t);
    return this.causeWithoutConflict(d, t);
  }

  /** A candidate cause of a recall at `t`: kept when it scores better (or as well, but later). */
  private considerCause(d: Deleg, f: ForeCall, t: number, cbClient: string | undefined, via: 'in-flight' | 'recent'): void {
    if (f.callTime > t) return;
    if (cbClient !== undefined && f.client === cbClient) return;
    let s = this.conflictScore(d, f);
    if (s === 0) return;
    if (via === 'in-flight') s += 2;
    const best = this.causeBest;
    if (s > this.causeBestScore || (s === this.causeBestScore && best !== undefined && f.callTime > best.callTime)) {
      this.causeBest = f;
      this.causeBestScore = s;
      this.causeBestVia = via;
    }
  }

  /** considerCause for a packed ring entry: its object is made only for a call by another
   *  client (than the holder and the callback's) on the delegation's server and object, the
   *  only calls conflictScore gives a score. */
  private considerPacked(d: Deleg, i: number, t: number, cbClient: string | undefined): void {
    const r = this.recent;
    const fh = d.rec.fh;
    if (fh === undefined || r.callTime[i] > t || r.server[i] !== d.server) return;
    const client = r.client[i];
    if ((cbClient !== undefined && client === cbClient) || (d.rec.holder !== undefined && client === d.rec.holder)) return;
    if (!r.touches(i, fh)) return;
    this.considerCause(d, this.ringCall(i), t, cbClient, 'recent');
  }

  /** No conflicting call: a burst of notifications before the recall (overflow), else unknown. */
  private causeWithoutConflict(d: Deleg, t: number): RecallCause {
    const since = t - this.opt.overflowWindow;
    const burst = d.recentNotifies.filter((x) => x.time >= since && x.time <= t);
    const entries = burst.reduce((a, x) => a + Math.max(1, x.entries), 0);
    if (burst.length > 0 && entries >= this.opt.overflowMinEntries) {
      const unnotified: Extract<RecallCause, { kind: 'overflow' }>['unnotified'] = [];
      for (let i = d.expHead; i < d.exps.length; i++) {
        const x = d.exps[i];
        const slot = d.expSlots[i];
        if (!expAlive(x, slot) || (x.state[slot] & (EXP_RECALL | EXP_ADD_DONE | EXP_REMOVE_DONE)) !== 0 || unnotified.length >= 64) continue;
        const u: (typeof unnotified)[number] = { op: x.mutation.op, client: x.call.client, callFrame: x.call.callFrame };
        if (x.name !== undefined) u.name = x.name;
        if (x.newName !== undefined) u.newName = x.newName;
        unnotified.push(u);
      }
      return { kind: 'overflow', notifyFrames: [...new Set(burst.map((x) => x.frame))], notifyCalls: burst.length, entries, window: this.opt.overflowWindow, unnotified };
    }
    return {
      kind: 'unknown',
      note: `no conflicting call from another client on ${d.rec.fh === undefined ? 'the object' : 'this ' + (d.rec.kind === 'directory' ? 'directory' : 'file')} in flight or within ${this.opt.conflictWindow}s, and no notification burst: a server-local change, lease/resource pressure, or traffic not in the capture`,
    };
  }

  private conflictCause(d: Deleg, f: ForeCall, via: 'referring-call' | 'in-flight' | 'recent', t: number): RecallCause {
    const cause: Extract<RecallCause, { kind: 'conflict' }> = { kind: 'conflict', via, call: callRef(f), delayed: [] };
    if (f.status === 'NFS4ERR_DELAY') addDelayed(cause, f);
    const objects = new Set<string>();
    if (d.rec.fh !== undefined) objects.add(d.rec.fh);
    const mine = this.trackersOf.get(f.client);
    if (this.trackers.length >= MAX_TRACKERS || (mine !== undefined && mine.length >= MAX_TRACKERS_PER_CLIENT)) {
      // the oldest (of all, or of this client's) gives way
      const gone = this.trackers.length >= MAX_TRACKERS ? this.trackers[0] : mine![0];
      this.setTrackers(this.trackers.filter((x) => x !== gone));
      this.drops.add('recall cause trackers dropped (too many recalls at once)');
    }
    const tracker: CauseTracker = { deleg: d, cause, client: f.client, server: d.server, objects, originalKey: f.key, until: t + this.opt.causeTrackWindow };
    this.trackers.push(tracker);
    const list = this.trackersOf.get(f.client);
    if (list === undefined) this.trackersOf.set(f.client, [tracker]);
    else list.push(tracker);
    return cause;
  }

  /** The live trackers by conflicting client, in creation order: a reply is checked against
   *  its own client's only (most replies come from other clients, and one client's calls
   *  against every tracker of a recall storm were a scan per call). */
  private readonly trackersOf = new Map<string, CauseTracker[]>();

  private setTrackers(list: CauseTracker[]): void {
    this.trackers = list;
    this.trackersOf.clear();
    for (const tr of list) {
      const mine = this.trackersOf.get(tr.client);
      if (mine === undefined) this.trackersOf.set(tr.client, [tr]);
      else mine.push(tr);
    }
  }

  /** The conflicting client's later replies on the recalled object: DELAYs, then the retry that worked. */
  private trackConflictReply(fore: ForeCall, _msg: RpcMessage, nfs: NfsCompound | undefined): void {
    const mine = this.trackersOf.get(fore.client);
    if (mine === undefined) return;
    const status = nfs?.status;
    let closed = false;
    for (const tr of mine) {
      if (tr.server !== fore.server) continue;
      let touching = false;
      for (const o of tr.objects) if (touches(fore, o)) touching = true;
      if (!touching) continue;
      if (fore.key === tr.originalKey && fore.callFrame === tr.cause.call.callFrame) {
        tr.cause.call = callRef(fore);
        if (status === 'NFS4ERR_DELAY') {
          if (!tr.cause.delayed.some((x) => x.callFrame === fore.callFrame)) addDelayed(tr.cause, fore);
        } else {
          tr.until = -Infinity; // the conflicting call itself completed
          closed = true;
        }
        continue;
      }
      if (status === 'NFS4ERR_DELAY') addDelayed(tr.cause, fore);
      else if (status === 'NFS4_OK' && fore.op === tr.cause.call.op && fore.callTime >= tr.cause.call.callTime) {
        tr.cause.retry = callRef(fore);
        tr.until = -Infinity;
        closed = true;
      }
    }
    if (closed) this.setTrackers(this.trackers.filter((x) => x.until !== -Infinity));
  }

  // ------------------------------------------------------------------------------ time

  /** Judges, for every holder still waiting for it, each change not notified within notifyTimeout. */
  private judgeTimedOut(now: number): void {
    let keep = 0;
    const list = this.openExps;
    for (let k = 0; k < list.length; k++) {
      const x = list[k];
      // (a change every holder is done with no longer waits here either)
      if (expDead(x)) {
        this.openExpSlots -= x.count;
        continue;
      }
      const at = x.call.replyTime ?? x.call.callTime;
      if (now - at > this.opt.notifyTimeout) {
        x.settled = true;
        const members = x.members;
        for (let i = 0; i < x.count; i++) {
          const f = x.state[i];
          if ((f & EXP_GONE) !== 0) continue;
          expDied(members[i]);
          this.judgeExpectation(members[i], x, f);
        }
        this.expectationDied(x);
        this.openExpSlots -= x.count;
      } else {
        list[keep++] = x;
      }
    }
    list.length = keep;
  }

  private sweep(now: number): void {
    for (let oldest = this.pending.oldest(); oldest !== undefined; oldest = this.pending.oldest()) {
      const p = oldest.value;
      if (now - p.time <= this.opt.pendingTimeout) break; // the queue is in call order
      this.removePending(oldest.key, p);
      this.dropPending(p, `call unanswered after ${this.opt.pendingTimeout} s (given up)`);
    }
    for (const d of this.recalled) {
      if (d.recallAt !== undefined && !d.recallFlagged && d.returnCallAt === undefined && now - d.recallAt > this.opt.recallTimeout) {
        d.recallFlagged = true;
        this.problem(d, 'recall-unanswered', `recalled, no DELEGRETURN within ${this.opt.recallTimeout}s`);
      }
      // Flagged once, or given back: nothing left to watch for (a Set deletes safely while iterated).
      if (d.recallFlagged || d.returnCallAt !== undefined) this.recalled.delete(d);
    }
    // A tracker lives while its recall is outstanding (a revocation can take a lease period),
    // and causeTrackWindow after the delegation ends.
    if (this.trackers.length > 0) {
      const live = (x: CauseTracker): boolean => x.until >= now
        || (!x.deleg.retired && (x.deleg.terminalAt === undefined || now - x.deleg.terminalAt <= this.opt.causeTrackWindow));
      // Rebuilt only when one ends (most seconds none does).
      if (!this.trackers.every(live)) this.setTrackers(this.trackers.filter(live));
    }
    if (this.openExps.length > 0) this.judgeTimedOut(now);
    let i = 0;
    while (i < this.terminalQueue.length) {
      const d = this.terminalQueue[i];
      if (d.terminalAt === undefined || now - d.terminalAt < this.opt.retireAfter) break;
      i++;
      this.retire(d, false);
    }
    if (i > 0) this.terminalQueue = this.terminalQueue.slice(i);
  }
}

const RCA_NAMES: Record<number, string> = {
  0: 'RDATA_DLG', 1: 'WDATA_DLG', 2: 'DIR_DLG', 3: 'FILE_LAYOUT', 4: 'BLK_LAYOUT', 8: 'OBJ_LAYOUT_MIN', 9: 'OBJ_LAYOUT_MAX',
  12: 'OTHER_LAYOUT_MIN', 15: 'OTHER_LAYOUT_MAX',
};

/**
 * One side (`addr`, one of its two endpoints) of a message's connection as a number: 2 x the
 * connection id, + 1 for its `b` end (the same key for both when they are the same address).
 * Stands for the `id:addr` text it replaced, without building a string per call.
 */
function connSide(msg: RpcMessage, addr: string): number {
  const conn = msg.record.conn;
  return conn.id * 2 + (addr === conn.a ? 0 : 1);
}

/** The delegations of a filehandle index entry (see ServerFhIndex.byFh), to iterate. */
function delegsIn(x: Deleg | Set<Deleg> | undefined): Iterable<Deleg> {
  return x === undefined ? NO_DELEGS : x instanceof Deleg ? [x] : x;
}

const NO_DELEGS: readonly Deleg[] = [];

/** A listing given up (evicted, or grown past MAX_VIEW_NAMES): no longer checked against, and
 *  its names let go of. */
function dropView(v: DirView): void {
  v.truncated = true;
  v.names.clear();
}

/** A name added to a listing by a notification; a listing that would grow past
 *  MAX_VIEW_NAMES is given up (notifications alone could grow it without bound). */
function addToView(v: DirView, name: string, cookie: number | string | undefined): void {
  if (v.names.size >= MAX_VIEW_NAMES && !v.names.has(name)) dropView(v);
  else v.names.set(name, cookie);
}

/** NFS4ERR_DELAY replies listed in a recall's cause; more are counted (a client retrying a
 *  million times would otherwise make a million). */
const MAX_DELAYED_LISTED = 32;

function addDelayed(cause: Extract<RecallCause, { kind: 'conflict' }>, f: ForeCall): void {
  if (cause.delayed.length < MAX_DELAYED_LISTED) cause.delayed.push(callRef(f));
  else cause.delayedMore = (cause.delayedMore ?? 0) + 1;
}

/** Key of a client's listing of a server's directory (views). */
function viewKey(server: string, client: string, dir: string): string {
  return `${client}|${server}|${dir}`;
}

/** A filehandle key that is the filehandle's hex (not a name path of an unseen one). */
function isHexKey(k: string | undefined): k is string {
  return k !== undefined && !k.includes('/');
}

/** FNV-1a of the bytes a lowercase hex string stands for (same value as fnv32 of the bytes). */
function fnv32Hex(hex: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i + 1 < hex.length; i += 2) h = Math.imul(h ^ ((hexDigit(hex.charCodeAt(i)) << 4) | hexDigit(hex.charCodeAt(i + 1))), 0x01000193);
  return h >>> 0;
}

/** Value of a lowercase hex digit's char code. */
function hexDigit(c: number): number {
  return c <= 0x39 ? c - 0x30 : c - 0x57;
}

function asStateid(v: unknown): StateidValue | undefined {
  const o = asObj(v);
  return o !== undefined && typeof o.seqid === 'number' && o.other instanceof Uint8Array && o.other.length === 12 ? (o as unknown as StateidValue) : undefined;
}

function callRef(f: ForeCall): CallRef {
  const r: CallRef = { op: f.op, client: f.client, callFrame: f.callFrame, callTime: f.callTime, xid: f.xid >>> 0 };
  if (f.replyFrame !== undefined) r.replyFrame = f.replyFrame;
  if (f.status !== undefined) r.status = f.status;
  return r;
}

function ownerText(b: Uint8Array): string {
  let printable = true;
  for (let i = 0; i < b.length; i++) if (b[i] < 0x20 || b[i] > 0x7e) printable = false;
  const head = b.subarray(0, 1024);
  // Printable ASCII only, so latin1 decoding gives exactly the characters of the bytes.
  return printable ? Buffer.from(head.buffer, head.byteOffset, head.length).toString('latin1') : hexOf(head);
}

/** Pending.events until a call has one: most calls never do, so they share this empty array. */
const NO_EVENTS: PendingEvent[] = [];

function pushEvent(p: Pending, pe: PendingEvent): void {
  if (p.events === NO_EVENTS) p.events = [pe];
  else p.events.push(pe);
}

/** ForeCall.mutations / .expectations until a call has one (most never do: shared, never pushed to). */
const NO_MUTATIONS: Mutation[] = [];
const NO_CALL_EXPECTATIONS: ForeCall['expectations'] = [];

function addMutation(f: ForeCall, m: Mutation): void {
  if (f.mutations === NO_MUTATIONS) f.mutations = [m];
  else if (f.mutations.length < MAX_MUTATIONS_PER_CALL) f.mutations.push(m);
}

/**
 * Changes followed per compound (real ones make one or two; a hostile compound of 2000 REMOVEs,
 * kept in the recent-calls ring 4096 times, took `deleg` out of its heap). The rest are not
 * expected to be notified, nor matched to notifications (see fullForeCall's drop count).
 */
const MAX_MUTATIONS_PER_CALL = 64;

/** One of the delegation's expectations is no longer alive. With none left, its lists let go
 *  of the dead ones at once (each holds its change's call, with the call's changes and objects,
 *  which otherwise lived on until the next compaction, for as long as the delegation). */
function expDied(d: Deleg): void {
  if (--d.expLive > 0) return;
  d.exps = NO_EXPS;
  d.expSlots = NO_EXP_SLOTS;
  d.expHead = 0;
}

/** Drops the entries of a delegation's expectation list that are no longer alive. */
function compactExps(d: Deleg): void {
  let n = 0;
  for (let i = d.expHead; i < d.exps.length; i++) {
    const x = d.exps[i];
    const slot = d.expSlots[i];
    if (!expAlive(x, slot)) continue;
    d.exps[n] = x;
    d.expSlots[n] = slot;
    n++;
  }
  d.exps.length = n;
  d.expSlots.length = n;
  d.expHead = 0;
}

/** Did call `f` give delegation `d` an expectation of a notification (not a recall) for change `m`? */
function notifiedOf(f: ForeCall, d: Deleg, m: Mutation): boolean {
  const n = f.notified;
  if (n !== undefined) return n === d || (Array.isArray(n) && n.includes(d));
  for (const x of f.expectations) {
    if (x.mutation !== m) continue;
    const i = x.members.indexOf(d);
    if (i >= 0 && i < x.count && (x.state[i] & EXP_RECALL) === 0) return true;
  }
  return false;
}

/**
 * Writes what the ring's scans need of an answered call's changes into its columns (position
 * `i`): the one object it writes to (OPEN for write, WRITE: only ever compared with a file
 * delegation's object; writes never fit a notification nor change a directory), and its one
 * other change. False (the object must stay) when the call has expectations (they refer to
 * it), two other changes, or writes to two objects.
 */
function packChanges(r: RecentCalls<ForeCall, MutationKind, Deleg>, i: number, f: ForeCall): boolean {
  const exps = f.expectations;
  for (let k = 0; k < exps.length; k++) if (!expDead(exps[k])) return false;
  let wrote: string | undefined;
  let change: Mutation | undefined;
  const ms = f.mutations;
  for (let k = 0; k < ms.length; k++) {
    const m = ms[k];
    if (m.kind === 'write' || m.kind === 'open-write') {
      if (m.obj === undefined || m.obj === wrote) continue;
      if (wrote !== undefined) return false;
      wrote = m.obj;
    } else {
      if (change !== undefined) return false;
      change = m;
    }
  }
  r.wrote[i] = wrote;
  if (change !== undefined) {
    r.changeKind[i] = change.kind;
    r.changeDir[i] = change.dir;
    r.changeName[i] = change.name;
    r.changeToDir[i] = change.toDir;
    r.changeNewName[i] = change.newName;
    r.changeObj[i] = change.obj;
    r.changeLate[i] = change.lateMatches;
    // Every expectation is of this one change: who was to be notified of it (notifiedOf).
    let notified: Deleg | Deleg[] | undefined;
    for (let k = 0; k < exps.length; k++) {
      const x = exps[k];
      for (let j = 0; j < x.count; j++) {
        if ((x.state[j] & EXP_RECALL) !== 0) continue;
        const d = x.members[j];
        if (notified === undefined) notified = d;
        else if (Array.isArray(notified)) notified.push(d);
        else notified = [notified, d];
      }
    }
    r.changeNotified[i] = notified;
  }
  return true;
}

/** Nobody waits for this change any more (its op failed, it timed out, or every holder is done with it). */
function expDead(x: Expectation): boolean {
  return x.failed || x.settled || x.gone >= x.count;
}

/** The op a change of this kind is made by (Mutation.op). */
function opOfKind(kind: MutationKind): string {
  switch (kind) {
    case 'create': return 'CREATE';
    case 'open-create':
    case 'open-write': return 'OPEN';
    case 'remove': return 'REMOVE';
    case 'rename': return 'RENAME';
    case 'link': return 'LINK';
    case 'setattr': return 'SETATTR';
    case 'write': return 'WRITE';
  }
}

/** ForeCall.touchedMore until a call touches a second object (shared, never pushed to). */
const NO_TOUCHED: string[] = [];

/** What fills the unused positions of the in-flight array (a call that is not flying), and
 *  the fields the recent ring gets for a call no scan can pick (no client, server, slot). */
const INERT_CALL: ForeCall = {
  key: -1, xid: 0, client: '', server: '', op: 'COMPOUND', callFrame: 0, callTime: 0, replyFrame: undefined, replyTime: undefined,
  status: undefined, touched0: undefined, touchedMore: NO_TOUCHED, sid: undefined, slot: -1, seq: -1, flying: false, ringIdx: -1, ringSeq: -1,
  mutations: NO_MUTATIONS, expectations: NO_CALL_EXPECTATIONS, notified: undefined,
};

function touch(f: ForeCall, obj: string): void {
  if (f.touched0 === undefined) f.touched0 = obj;
  else if (f.touched0 !== obj && f.touchedMore.length < MAX_TOUCHED_MORE && !f.touchedMore.includes(obj)) {
    if (f.touchedMore === NO_TOUCHED) f.touchedMore = [obj];
    else f.touchedMore.push(obj);
  }
}

/**
 * Objects a call is known to touch beyond its first (real compounds touch a handful; a hostile
 * one of 4096 PUTFHs, kept in the recent-calls ring 4096 times, took `deleg` out of its heap,
 * and each touch scanned the list). Past it, the call is not found by those objects.
 */
const MAX_TOUCHED_MORE = 63;

/** Does call `f` touch object `obj`? */
function touches(f: ForeCall, obj: string): boolean {
  return f.touched0 === obj || (f.touchedMore !== NO_TOUCHED && f.touchedMore.includes(obj));
}

function procedureName(msg: RpcMessage, nfs: NfsCompound | undefined): string {
  if (nfs !== undefined) return nfs.procName;
  const h = msg.header;
  if (h.msgType === 'call') return `prog ${h.prog} v${h.vers} proc ${h.proc}`;
  return 'unknown';
}

function addAnswer(s: OpStats, srt: number, bucket: number, status: string | undefined): void {
  s.answered++;
  s.addInBucket(srt, bucket);
  if (status !== undefined && status !== 'NFS4_OK') s.errors++;
}

function rows(table: OpStatsTable): OpStatRow[] {
  const out: OpStatRow[] = [];
  for (const [name, s] of table.entries()) {
    out.push({ name, ...s.summary(), count: s.calls, errors: s.errors, unanswered: Math.max(0, s.calls - s.answered) });
  }
  out.sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  return out;
}

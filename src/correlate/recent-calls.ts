/**
 * The recent-calls ring: the last `capacity` fore-channel calls that went through the full
 * analysis, searched for recall causes, late notification matches and CB_SEQUENCE referring
 * calls. What those searches read of a call is kept here as packed columns (typed arrays for
 * numbers, arrays of shared strings), one position per call, including its one change (a
 * create, remove, rename ... besides writes).
 *
 * Why columns and not the call objects: the ring outlives thousands of messages, so every call
 * object held there (with its arrays) survived several young-generation collections and was
 * copied into the old generation, one of the largest costs of `stats` (taking the objects out
 * of the ring cut its time by ~14 %). Here a call's object is held only while it is in flight,
 * or, after its reply, when it carries what the columns cannot say (expectations still waited
 * for, two changes, writes to two objects): answered calls die young, and the scans read packed numbers instead
 * of objects all over the heap.
 */

/** Pending-call key: a number for the usual connection ids, else a string (see Correlator.callKey). */
export type RingKey = number | string;

/** Columns start this long and double up to the capacity (a large `maxRecentCalls` option
 *  costs memory only when that many calls come by). */
const INITIAL_LENGTH = 256;

export class RecentCalls<T, K extends string = string, H = unknown> {
  /** Positions in use (grows to capacity, then stays). */
  count = 0;
  /** Next position to write (the newest call is just before it). */
  head = 0;
  /** Calls put in so far: a call's ticket (see put) tells whether its position still holds it. */
  private added = 0;
  private length = 0;

  /** The call's object, while it is in flight or must be kept (see the file comment). */
  obj: Array<T | undefined> = [];
  callTime: Float64Array = new Float64Array(0);
  /** NaN until the reply is seen. */
  replyTime: Float64Array = new Float64Array(0);
  callFrame: Float64Array = new Float64Array(0);
  /** NaN until the reply is seen. */
  replyFrame: Float64Array = new Float64Array(0);
  xid: Int32Array = new Int32Array(0);
  /** SEQUENCE slot and sequence id (-1: none; unsigned 32-bit on the wire, so not an Int32Array). */
  slot: Float64Array = new Float64Array(0);
  seq: Float64Array = new Float64Array(0);
  /** Numeric call keys (NaN when the key is a string, then in keyText). */
  keyNum: Float64Array = new Float64Array(0);
  keyText: Array<string | undefined> = [];
  /** '' for a call no search can pick (it touches nothing, changes nothing, used no slot). */
  client: string[] = [];
  server: string[] = [];
  op: string[] = [];
  status: Array<string | undefined> = [];
  /** Session (hex) of the call's SEQUENCE, undefined without one. */
  sid: Array<string | undefined> = [];
  /** Objects the call touches: the first, and the array of the others (shared empty array when none). */
  touched0: Array<string | undefined> = [];
  touchedMore: string[][] = [];
  /** The object the call writes to (OPEN for write, WRITE), when answered and packed. */
  wrote: Array<string | undefined> = [];
  /** The one other change of a packed call (create, remove, rename ...; undefined: none): its
   *  kind, directory and name, target directory and new name, the object, and the delegations
   *  (ids) a notification was matched to it without an expectation. */
  changeKind: Array<K | undefined> = [];
  changeDir: Array<string | undefined> = [];
  changeName: Array<string | undefined> = [];
  changeToDir: Array<string | undefined> = [];
  changeNewName: Array<string | undefined> = [];
  changeObj: Array<string | undefined> = [];
  changeLate: Array<number[] | undefined> = [];
  /** The holders that were to be notified of the change (expectations other than recalls). */
  changeNotified: Array<H | H[] | undefined> = [];

  constructor(readonly capacity: number) {}

  /** Index of the k-th newest call (k = 0 the newest), for k < count. */
  at(k: number): number {
    const n = this.count;
    return (this.head - 1 - k + 2 * n) % n;
  }

  /**
   * Puts a call in the ring (the oldest leaves once full) and returns its position; `ticket()`
   * right after tells whether that position still holds it later (see holds()).
   */
  put(obj: T | undefined, key: RingKey, xid: number, client: string, server: string, op: string, callFrame: number, callTime: number,
    sid: string | undefined, slot: number, seq: number, touched0: string | undefined, touchedMore: string[]): number {
    this.added++;
    if (this.capacity <= 0) return -1;
    // One path for filling and for overwriting (head = count while filling): optimized code
    // made while the ring fills met no untaken branch and no never-written `head` (which it
    // took for a constant) at the first wrap, each a deoptimization of the callers it was
    // inlined into, and their compiling again.
    const i = this.head;
    this.head = i + 1 === this.capacity ? 0 : i + 1;
    if (this.count < this.capacity) {
      this.count++;
      if (i >= this.length) this.grow();
    }
    this.obj[i] = obj;
    this.callTime[i] = callTime;
    this.replyTime[i] = NaN;
    this.callFrame[i] = callFrame;
    this.replyFrame[i] = NaN;
    this.xid[i] = xid;
    this.slot[i] = slot;
    this.seq[i] = seq;
    if (typeof key === 'number') {
      this.keyNum[i] = key;
      this.keyText[i] = undefined;
    } else {
      this.keyNum[i] = NaN;
      this.keyText[i] = key;
    }
    this.client[i] = client;
    this.server[i] = server;
    this.op[i] = op;
    this.status[i] = undefined;
    this.sid[i] = sid;
    this.touched0[i] = touched0;
    this.touchedMore[i] = touchedMore;
    this.wrote[i] = undefined;
    this.changeKind[i] = undefined;
    this.changeDir[i] = undefined;
    this.changeName[i] = undefined;
    this.changeToDir[i] = undefined;
    this.changeNewName[i] = undefined;
    this.changeObj[i] = undefined;
    this.changeLate[i] = undefined;
    this.changeNotified[i] = undefined;
    return i;
  }

  /** The number of calls put so far (the ticket of the call just put is this minus one). */
  ticket(): number {
    return this.added - 1;
  }

  /** Does position `i` still hold the call that got `ticket` there? */
  holds(i: number, ticket: number): boolean {
    return i >= 0 && this.added - ticket <= this.capacity;
  }

  key(i: number): RingKey {
    const k = this.keyNum[i];
    return k === k ? k : (this.keyText[i] as string);
  }

  /** Does the call at `i` touch `obj`? */
  touches(i: number, obj: string): boolean {
    if (this.touched0[i] === obj) return true;
    const more = this.touchedMore[i];
    return more.length > 0 && more.includes(obj);
  }

  private grow(): void {
    const len = Math.min(this.capacity, Math.max(INITIAL_LENGTH, this.length * 2));
    this.callTime = growF64(this.callTime, len);
    this.replyTime = growF64(this.replyTime, len);
    this.callFrame = growF64(this.callFrame, len);
    this.replyFrame = growF64(this.replyFrame, len);
    this.keyNum = growF64(this.keyNum, len);
    this.slot = growF64(this.slot, len);
    this.seq = growF64(this.seq, len);
    this.xid = growI32(this.xid, len);
    this.length = len;
  }
}

function growF64(a: Float64Array, len: number): Float64Array {
  const b = new Float64Array(len);
  b.set(a);
  return b;
}

function growI32(a: Int32Array, len: number): Int32Array {
  const b = new Int32Array(len);
  b.set(a);
  return b;
}

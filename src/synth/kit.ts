/**
 * Scenario building blocks: a tracker that writes down a delegation's expected life while the
 * scenario plays it, and the scenario definition type.
 */
import type { PacketSink } from './captureWriter.js';
import type {
  ExpectedCapture,
  ExpectedDelegation,
  ExpectedDelegationEvent,
  ExpectedDirChange,
  ExpectedMessage,
  ExpectedNotifyChange,
  ExpectedRecall,
  MessageRef,
} from './expected.js';
import type { NfsClient, PendingCall, PendingCb } from './nfs.js';
import { NOTIFY_NAMES, hex, type Stateid } from './ops.js';

/** What a small scenario needs: where packets go. */
export interface ScenarioContext {
  sink: PacketSink;
  /** Receives every RPC message with its bytes (tests decode them). */
  onMessage?: (m: ExpectedMessage, rpcMessage: Uint8Array) => void;
}

export interface ScenarioDefinition {
  name: string;
  description: string;
  /** Builds the capture into the sink and returns what it contains. */
  build(ctx: ScenarioContext): ExpectedCapture;
}

export function notifyNames(bits: number[]): string[] {
  return bits.map((b) => NOTIFY_NAMES[b] ?? `NOTIFY4_${b}`);
}

/** Records the expected life of one delegation as the scenario plays it. */
export class DelegationTracker {
  private grant: ExpectedDelegation['grant'] = null;
  private readonly events: ExpectedDelegationEvent[] = [];
  private recall: ExpectedRecall | null = null;
  private end: ExpectedDelegation['end'] = { kind: 'open' };
  private readonly changes: ExpectedDirChange[] = [];
  private requested?: string[];
  private granted?: string[];
  private raced = false;
  private readonly problems: string[] = [];

  constructor(
    readonly id: string,
    readonly holder: NfsClient,
    readonly type: ExpectedDelegation['type'],
    readonly stateid: Stateid,
    readonly fh: Uint8Array,
  ) {}

  granted_(call: PendingCall, reply: MessageRef, requested?: number[], granted?: number[]): void {
    this.grant = { call: call.ref, reply };
    this.events.push({ kind: 'granted', call: call.ref, reply, status: 'NFS4_OK' });
    if (requested) this.requested = notifyNames(requested);
    if (granted) this.granted = notifyNames(granted);
  }

  /** Grant bits known although the grant is not in the capture (late start). */
  grantedBeforeCapture(requested?: number[], granted?: number[]): void {
    if (requested) this.requested = notifyNames(requested);
    if (granted) this.granted = notifyNames(granted);
  }

  notified(cb: PendingCb, reply: MessageRef | null, changes: ExpectedNotifyChange[]): void {
    const e: ExpectedDelegationEvent = { kind: 'notified', call: cb.ref, reply, changes };
    if (reply) e.status = 'NFS4_OK';
    this.events.push(e);
  }

  recalled(cb: PendingCb, reply: MessageRef | null, cause: ExpectedRecall['cause'], extra: Partial<ExpectedRecall> = {}): void {
    this.events.push({ kind: 'recalled', call: cb.ref, reply, ...(reply ? { status: 'NFS4_OK' } : {}) });
    this.recall = { call: cb.ref, reply, cause, ...extra };
  }

  /** Fills in the recall reply when it arrives after other events. */
  recallReplied(reply: MessageRef): void {
    if (!this.recall) throw new Error('no recall to answer');
    this.recall.reply = reply;
    const e = this.events.find((x) => x.kind === 'recalled' && x.call.index === this.recall!.call.index);
    if (e) {
      e.reply = reply;
      e.status = 'NFS4_OK';
    }
  }

  setRecallDetails(extra: Partial<ExpectedRecall>): void {
    if (!this.recall) throw new Error('no recall');
    Object.assign(this.recall, extra);
  }

  returned(call: PendingCall, reply: MessageRef | null): void {
    this.events.push({ kind: 'returned', call: call.ref, reply, ...(reply ? { status: 'NFS4_OK' } : {}) });
    this.end = { kind: 'returned', call: call.ref, reply };
  }

  racedWithRecall(): void {
    this.raced = true;
  }

  revoked(evidenceCall: MessageRef, reply: MessageRef, evidence: 'NFS4ERR_DELEG_REVOKED' | 'SEQ4_STATUS_RECALLABLE_STATE_REVOKED'): void {
    this.events.push({ kind: 'revoked', call: evidenceCall, reply, evidence, status: evidence === 'NFS4ERR_DELEG_REVOKED' ? evidence : 'NFS4_OK' });
    if (this.end.kind !== 'revoked') this.end = { kind: 'revoked', evidence: reply };
  }

  freed(call: PendingCall, reply: MessageRef): void {
    this.events.push({ kind: 'freed', call: call.ref, reply, status: 'NFS4_OK' });
  }

  change(c: ExpectedDirChange): void {
    this.changes.push(c);
  }

  problem(kind: string): void {
    if (!this.problems.includes(kind)) this.problems.push(kind);
  }

  build(): ExpectedDelegation {
    const d: ExpectedDelegation = {
      id: this.id,
      client: this.holder.label,
      type: this.type,
      stateidOther: hex(this.stateid.other),
      seqid: this.stateid.seqid,
      fh: hex(this.fh),
      grant: this.grant,
      events: this.events,
      recall: this.recall,
      end: this.end,
      changes: this.changes,
      notificationsComplete: this.changes.every((c) => c.delivery !== 'missed'),
      problems: this.problems,
    };
    if (this.requested) d.notificationsRequested = this.requested;
    if (this.granted) d.notificationsGranted = this.granted;
    if (this.raced) d.returnRacedRecall = true;
    return d;
  }
}

/** Shorthand for a change record. */
export function changeOf(
  call: PendingCall,
  reply: MessageRef | null,
  change: string,
  names: string[],
  delivery: ExpectedDirChange['delivery'],
  deliveredBy?: PendingCb,
): ExpectedDirChange {
  const c: ExpectedDirChange = { call: call.ref, reply, by: call.client.label, change, names, delivery };
  if (deliveredBy) c.deliveredBy = deliveredBy.ref;
  return c;
}

import type { RpcBodyWrap, RpcHeader } from '../../dissectors/rpc/types.js';
import type { ConnectionKey } from '../tcp/types.js';

/** One complete ONC RPC record taken out of a byte stream (fragments joined). */
export interface RpcRecord {
  conn: ConnectionKey;
  dir: 'ab' | 'ba';
  /** Record bytes without record-marking headers. */
  bytes: Uint8Array;
  /** Frame where the record completes (its last byte arrived), and that frame's time. */
  frame: number;
  sec: number;
  nsec: number;
  /** Frame that carried the record's first byte. */
  firstFrame: number;
  /** Number of record-marking fragments. */
  fragments: number;
}

/** One RPC message: a record with its decoded header and its call/reply partner. */
export interface RpcMessage {
  record: RpcRecord;
  /** "ip:port" of sender and receiver. */
  src: string;
  dst: string;
  header: RpcHeader;
  xid: number;
  type: 'call' | 'reply';
  /** For a reply: taken from the matched call; undefined for an orphan reply. */
  program?: number;
  version?: number;
  procedure?: number;
  /** Reply: frame of the matched call and the response time in seconds. */
  callFrame?: number;
  responseTime?: number;
  /** Call: the same (connection, direction, xid) was already seen (retransmission).
   *  Reply: a second reply to an already answered call. */
  duplicate?: boolean;
  /** Reply with no call seen (orphan). */
  orphan?: boolean;
  /**
   * The body after the header is not plain XDR (RPCSEC_GSS integrity/privacy/control); for a
   * reply taken from the matched call.
   */
  bodyWrap?: RpcBodyWrap;
}

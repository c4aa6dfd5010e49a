/** Identifies one TCP connection (or UDP flow) independent of direction. */
export interface ConnectionKey {
  /** Stable id, unique per connection incarnation in this capture (port reuse gives a new id). */
  id: number;
  /** The endpoint that opened the connection (SYN sender) when seen, else the first sender. */
  a: string; // "ip:port"
  b: string; // "ip:port"
  /**
   * 'udp' for a UDP flow: each StreamBytes event then carries exactly one datagram (one RPC
   * message, no record marking). Absent or 'tcp' for a TCP connection (a byte stream).
   */
  transport?: 'tcp' | 'udp';
}

/** In-order bytes delivered for one direction of a connection. */
export interface StreamBytes {
  kind: 'data';
  conn: ConnectionKey;
  /** 'ab' = from conn.a to conn.b; 'ba' = the other way. */
  dir: 'ab' | 'ba';
  bytes: Uint8Array;
  /**
   * When set, the new bytes are bytes[start .. end) of a larger buffer (the reassembler's
   * reuseDataEvents mode); otherwise all of `bytes`.
   */
  start?: number;
  end?: number;
  /** Frame that carried these bytes, and its time. */
  frame: number;
  sec: number;
  nsec: number;
}

/** Bytes are missing before the next data of this direction (lost segments, capture start). */
export interface StreamGap {
  kind: 'gap';
  conn: ConnectionKey;
  dir: 'ab' | 'ba';
  /** Number of bytes missing if known, else -1. */
  missing: number;
  frame: number;
  sec: number;
  nsec: number;
}

/** The connection ended (FIN/RST seen both ways, or replaced by a new SYN on the same ports). */
export interface StreamClosed {
  kind: 'closed';
  conn: ConnectionKey;
  frame: number;
}

export type StreamEvent = StreamBytes | StreamGap | StreamClosed;

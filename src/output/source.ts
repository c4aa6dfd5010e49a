/**
 * Builds the FieldSource (what fields, filters and formatters read) from one analysed
 * message of the engine.
 */
import type { FieldSource } from '../../dissectors/fields/types.js';
import type { NfsCompound } from '../../dissectors/nfs4/types.js';
import type { RpcMessage } from '../rpc/types.js';
import type { ConnectionKey } from '../tcp/types.js';

/** The engine's AnalyzedMessage, structurally. */
export interface MessageLike {
  rpc: RpcMessage;
  nfs?: NfsCompound;
  undecoded?: string;
}

export interface Endpoint {
  ip: string;
  port: number;
}

const endpointCache = new Map<string, Endpoint>();
const ENDPOINT_CACHE_MAX = 4096;

// The two endpoints split last: a message's source and destination, which the next message
// (often the reply) mostly shares; checked before the map.
let recentKey0 = '';
let recent0: Endpoint | undefined;
let recentKey1 = '';
let recent1: Endpoint | undefined;

/** Splits "ip:port" or "[v6]:port" (a bare address gives port 0). */
export function splitEndpoint(s: string): Endpoint {
  if (s === recentKey0 && recent0 !== undefined) return recent0;
  if (s === recentKey1 && recent1 !== undefined) return recent1;
  const e = splitEndpointCached(s);
  recentKey1 = recentKey0;
  recent1 = recent0;
  recentKey0 = s;
  recent0 = e;
  return e;
}

function splitEndpointCached(s: string): Endpoint {
  let e = endpointCache.get(s);
  if (e !== undefined) return e;
  let ip = s;
  let port = 0;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    ip = s.slice(1, close < 0 ? s.length : close);
    const rest = close < 0 ? '' : s.slice(close + 1);
    if (rest.startsWith(':')) port = Number(rest.slice(1)) || 0;
  } else {
    const colon = s.lastIndexOf(':');
    // One colon: ipv4:port. Several without brackets: a bare IPv6 address.
    if (colon >= 0 && s.indexOf(':') === colon) {
      ip = s.slice(0, colon);
      port = Number(s.slice(colon + 1)) || 0;
    }
  }
  e = { ip, port };
  if (endpointCache.size >= ENDPOINT_CACHE_MAX) endpointCache.clear();
  endpointCache.set(s, e);
  return e;
}

/** Time of `sec`/`nsec` minus the first frame's, in seconds. */
export function relativeTime(sec: number, nsec: number, first: { sec: number; nsec: number }): number {
  return (sec - first.sec) + (nsec - first.nsec) / 1e9;
}

/** A connection's two endpoints, split once for all its messages. */
interface ConnectionEndpoints {
  conn: ConnectionKey;
  /** The texts split (a message's src and dst are these same strings, in one order or the other). */
  aText: string;
  bText: string;
  a: Endpoint;
  b: Endpoint;
}

/**
 * Endpoints of recent connections, by connection id modulo the size (ids are consecutive, so
 * the connections open at one time rarely share a slot; a slot is checked against its
 * connection and simply replaced). Cheaper than two look-ups by text per message.
 */
const CONNECTION_SLOTS = 4096;
const connectionEndpoints: Array<ConnectionEndpoints | undefined> = new Array<ConnectionEndpoints | undefined>(CONNECTION_SLOTS).fill(undefined);

function endpointsOf(conn: ConnectionKey): ConnectionEndpoints {
  const slot = conn.id & (CONNECTION_SLOTS - 1);
  let e = connectionEndpoints[slot];
  if (e === undefined || e.conn !== conn) {
    e = { conn, aText: conn.a, bText: conn.b, a: splitEndpoint(conn.a), b: splitEndpoint(conn.b) };
    connectionEndpoints[slot] = e;
  }
  return e;
}

/**
 * The FieldSource of one message. `first` is the capture's first frame time (for relative
 * times); `replyFrame` the frame of a call's reply when the caller knows it.
 */
export function fieldSourceOf(m: MessageLike, first: { sec: number; nsec: number }, replyFrame?: number): FieldSource {
  const r = m.rpc;
  const rec = r.record;
  const conn = rec.conn;
  const ends = endpointsOf(conn);
  const s = r.src === ends.aText ? ends.a : r.src === ends.bText ? ends.b : splitEndpoint(r.src);
  const d = r.dst === ends.bText ? ends.b : r.dst === ends.aText ? ends.a : splitEndpoint(r.dst);
  const src: FieldSource = {
    frame: rec.frame, sec: rec.sec, nsec: rec.nsec, relTime: relativeTime(rec.sec, rec.nsec, first),
    src: r.src, dst: r.dst, srcIp: s.ip, dstIp: d.ip, srcPort: s.port, dstPort: d.port,
    transport: conn.transport === 'udp' ? 'udp' : 'tcp',
    rpc: r, nfs: m.nfs,
    // Always present (maybe undefined): one shape for every message, and no property store
    // added after the object was made.
    replyFrame, undecoded: m.undecoded,
  };
  return src;
}

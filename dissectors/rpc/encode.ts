/**
 * ONC RPC header and record-marking encoders: the inverse of header.ts. Used to craft
 * test streams and synthetic captures; not on any decoding hot path.
 */

export interface AuthSpec {
  flavor: number;
  body?: Uint8Array;
}

export interface CallSpec {
  xid: number;
  prog: number;
  vers: number;
  proc: number;
  rpcvers?: number;
  cred?: AuthSpec;
  verf?: AuthSpec;
  body?: Uint8Array;
}

export type ReplySpec =
  | { xid: number; accept: number; verf?: AuthSpec; mismatch?: { low: number; high: number }; body?: Uint8Array }
  | { xid: number; denied: 'RPC_MISMATCH'; low: number; high: number }
  | { xid: number; denied: 'AUTH_ERROR'; authStat: number };

/** Growable big-endian word writer. */
class Words {
  private buf = new Uint8Array(64);
  len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }

  u32(v: number): this {
    this.ensure(4);
    const b = this.buf;
    const o = this.len;
    b[o] = (v >>> 24) & 0xff;
    b[o + 1] = (v >>> 16) & 0xff;
    b[o + 2] = (v >>> 8) & 0xff;
    b[o + 3] = v & 0xff;
    this.len += 4;
    return this;
  }

  /** Raw bytes, no length, zero-padded to 4. */
  raw(bytes: Uint8Array, pad = true): this {
    const padded = pad ? (bytes.length + 3) & ~3 : bytes.length;
    this.ensure(padded);
    this.buf.set(bytes, this.len);
    this.buf.fill(0, this.len + bytes.length, this.len + padded);
    this.len += padded;
    return this;
  }

  opaque(bytes: Uint8Array): this {
    return this.u32(bytes.length).raw(bytes);
  }

  done(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function auth(w: Words, a: AuthSpec | undefined): void {
  w.u32(a?.flavor ?? 0).opaque(a?.body ?? new Uint8Array(0));
}

/** authsys_parms body. */
export function encodeAuthSys(p: { stamp: number; machinename: string; uid: number; gid: number; gids: number[] }): Uint8Array {
  const w = new Words();
  w.u32(p.stamp).opaque(new TextEncoder().encode(p.machinename)).u32(p.uid).u32(p.gid).u32(p.gids.length);
  for (const g of p.gids) w.u32(g);
  return w.done();
}

/** rpc_gss_cred_vers_1_t body. */
export function encodeGssCred(p: { version?: number; proc: number; seqNum: number; service: number; handle: Uint8Array }): Uint8Array {
  const w = new Words();
  w.u32(p.version ?? 1).u32(p.proc).u32(p.seqNum).u32(p.service).opaque(p.handle);
  return w.done();
}

/** RPC call message (record body, no record marker). */
export function encodeRpcCall(c: CallSpec): Uint8Array {
  const w = new Words();
  w.u32(c.xid).u32(0).u32(c.rpcvers ?? 2).u32(c.prog).u32(c.vers).u32(c.proc);
  auth(w, c.cred);
  auth(w, c.verf);
  if (c.body) w.raw(c.body, false);
  return w.done();
}

/** RPC reply message (record body, no record marker). */
export function encodeRpcReply(r: ReplySpec): Uint8Array {
  const w = new Words();
  w.u32(r.xid).u32(1);
  if ('denied' in r) {
    w.u32(1);
    if (r.denied === 'RPC_MISMATCH') w.u32(0).u32(r.low).u32(r.high);
    else w.u32(1).u32(r.authStat);
    return w.done();
  }
  w.u32(0);
  auth(w, r.verf);
  w.u32(r.accept);
  if (r.mismatch) w.u32(r.mismatch.low).u32(r.mismatch.high);
  if (r.body) w.raw(r.body, false);
  return w.done();
}

/**
 * Record marking (RFC 5531 section 11): splits the record into fragments of the given
 * payload sizes (the last fragment takes the rest) and prefixes each with its marker.
 */
export function recordMark(record: Uint8Array, fragmentSizes: number[] = []): Uint8Array {
  const parts: Array<[number, number]> = [];
  let o = 0;
  for (const size of fragmentSizes) {
    const take = Math.min(size, record.length - o);
    parts.push([o, take]);
    o += take;
  }
  parts.push([o, record.length - o]);
  const out = new Uint8Array(record.length + 4 * parts.length);
  let w = 0;
  parts.forEach(([start, len], i) => {
    const last = i === parts.length - 1;
    const marker = ((last ? 0x80000000 : 0) | len) >>> 0;
    out[w] = marker >>> 24;
    out[w + 1] = (marker >>> 16) & 0xff;
    out[w + 2] = (marker >>> 8) & 0xff;
    out[w + 3] = marker & 0xff;
    out.set(record.subarray(start, start + len), w + 4);
    w += 4 + len;
  });
  return out;
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

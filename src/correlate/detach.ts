/**
 * Copies of decoded compounds that share no memory with the record they were decoded from.
 * A decoded value's opaques are views of the record, and a record is often a view of a
 * 256 KiB read buffer: a call kept until its reply keeps that buffer alive. That is fine for
 * the few calls in flight at a time, not for thousands of unanswered ones (a capture of one
 * direction) or calls of megabytes (WRITE): those are kept as detached copies.
 */
import type { NfsCompound, NfsOp } from '../../dissectors/nfs4/types.js';
import { InvalidUtf8 } from '../../dissectors/xdr/runtime.js';
import { copyBytes } from '../../dissectors/bytes.js';

/**
 * Opaques up to this size are copied; longer ones (WRITE data, which no analysis reads) are
 * left out as empty byte arrays.
 */
export const MAX_DETACHED_OPAQUE = 4096;

/** Nesting deeper than this (never in decoded NFSv4 values) is left out. */
const MAX_DEPTH = 100;

const NO_BYTES = new Uint8Array(0);

/** The compound with every byte array copied (or left out when longer than MAX_DETACHED_OPAQUE). */
export function detachCompound(c: NfsCompound): NfsCompound {
  const ops: NfsOp[] = new Array<NfsOp>(c.ops.length);
  for (let i = 0; i < c.ops.length; i++) {
    const op = c.ops[i];
    // Byte spans describe the record (and a traced decode's table is reused once released).
    const copy: NfsOp = { ...op, spans: undefined, spanTable: undefined, spanStart: undefined, spanEnd: undefined };
    if (op.args !== undefined) copy.args = detachValue(op.args, 0);
    if (op.res !== undefined) copy.res = detachValue(op.res, 0);
    ops[i] = copy;
  }
  return { ...c, tag: detachValue(c.tag, 0), ops, spans: undefined, spanTable: undefined, spanEnd: undefined };
}

function detachValue(v: unknown, depth: number): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (depth > MAX_DEPTH) return undefined;
  if (v instanceof Uint8Array) return v.length <= MAX_DETACHED_OPAQUE ? copyBytes(v) : NO_BYTES;
  if (Array.isArray(v)) return v.map((x: unknown) => detachValue(x, depth + 1));
  // The one class among decoded values (a string that is not UTF-8): stays one.
  if (v instanceof InvalidUtf8) return new InvalidUtf8(copyBytes(v.bytes, 0, MAX_DETACHED_OPAQUE));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = detachValue(x, depth + 1);
  return out;
}

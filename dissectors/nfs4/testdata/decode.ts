/** Test helper: decodes the NFS body of a TestRecord with the dissector under test. */
import { decodeNfsCall, decodeNfsReply, type DecodeOptions } from '../compound.js';
import type { NfsCompound } from '../types.js';
import { programOf, type TestRecord } from './records.js';

/** The decoded compound of a record, or undefined when it is not an NFS/NFS_CB message with a body. */
export function decodeRecord(r: TestRecord, opts?: DecodeOptions): NfsCompound | undefined {
  const program = programOf(r);
  if (program === undefined || r.bodyOffset === undefined || r.vers === undefined || r.proc === undefined) return undefined;
  return r.type === 'call'
    ? decodeNfsCall(r.bytes, r.bodyOffset, program, r.vers, r.proc, opts)
    : decodeNfsReply(r.bytes, r.bodyOffset, program, r.vers, r.proc, opts);
}

/**
 * What tshark 4.0.17 is expected to print for a synthetic capture, derived from the
 * expected messages: per frame the RPC xids and message types, and the NFS op numbers it
 * can decode. tshark stops decoding a compound correctly at GET_DIR_DELEGATION (op 46) and
 * at the callback ops whose bodies it does not parse (it reads garbage afterwards), so op
 * lists are cut after such an op and compared as a prefix.
 */
import type { ExpectedMessage } from './expected.js';

/** Fore-channel ops whose arguments (call) or results (reply) tshark 4.0.17 does not consume. */
const TSHARK_STOPS_FORE = new Set([46]);
/** Callback ops whose arguments tshark 4.0.17 does not consume (results are status only). */
const TSHARK_STOPS_CB_CALL = new Set([6, 7, 8, 9, 10, 12, 14]);

export interface TsharkFrameExpectation {
  frame: number;
  xids: string[];
  msgtyps: string[];
  /** nfs.opcode values tshark must print first (in order). */
  opcodes: string[];
  /** True when tshark must print exactly `opcodes` (nothing it mis-parses follows). */
  opcodesExact: boolean;
  cbOps: string[];
  cbOpsExact: boolean;
}

export function hexXid(xid: number): string {
  return '0x' + (xid >>> 0).toString(16).padStart(8, '0');
}

/** Op numbers of one message tshark can show, and whether it shows exactly these. */
export function tsharkOps(m: ExpectedMessage): { ops: number[]; exact: boolean } {
  const stops = m.channel === 'fore' ? TSHARK_STOPS_FORE : m.msgtyp === 0 ? TSHARK_STOPS_CB_CALL : new Set<number>();
  const ops: number[] = [];
  for (const n of m.opnums) {
    ops.push(n);
    if (stops.has(n)) return { ops, exact: false };
  }
  return { ops, exact: true };
}

/** Expectations per frame for the messages tshark can see, in frame order. */
export function tsharkExpectations(messages: readonly ExpectedMessage[]): TsharkFrameExpectation[] {
  const byFrame = new Map<number, ExpectedMessage[]>();
  for (const m of messages) {
    if (m.frame === 0 || !m.tsharkVisible) continue;
    const list = byFrame.get(m.frame) ?? [];
    list.push(m);
    byFrame.set(m.frame, list);
  }
  const out: TsharkFrameExpectation[] = [];
  for (const frame of [...byFrame.keys()].sort((a, b) => a - b)) {
    const ms = byFrame.get(frame)!;
    const e: TsharkFrameExpectation = { frame, xids: [], msgtyps: [], opcodes: [], opcodesExact: true, cbOps: [], cbOpsExact: true };
    for (const m of ms) {
      e.xids.push(hexXid(m.xid));
      e.msgtyps.push(String(m.msgtyp));
      const { ops, exact } = tsharkOps(m);
      const target = m.channel === 'fore' ? 'opcodes' : 'cbOps';
      const exactKey = m.channel === 'fore' ? 'opcodesExact' : 'cbOpsExact';
      // After a message tshark mis-parses, later messages' ops in the same frame may be
      // missing or shifted: keep only what precedes the first mis-parse.
      if (!e[exactKey]) continue;
      e[target].push(...ops.map(String));
      if (!exact) e[exactKey] = false;
    }
    out.push(e);
  }
  return out;
}

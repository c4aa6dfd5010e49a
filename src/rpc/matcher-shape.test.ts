/** The matcher's messages keep their keys in a fixed order (JSON output and consumers see it). */
import { describe, expect, it } from 'vitest';
import { encodeRpcCall, encodeRpcReply } from '../../dissectors/rpc/encode.js';
import type { ConnectionKey } from '../tcp/types.js';
import { RpcMatcher } from './matcher.js';
import type { RpcMessage, RpcRecord } from './types.js';

const conn: ConnectionKey = { id: 3, a: '127.0.0.1:731', b: '127.0.0.1:2049', transport: 'tcp' };

function rec(dir: 'ab' | 'ba', bytes: Uint8Array, frame: number): RpcRecord {
  return { conn, dir, bytes, frame, sec: frame, nsec: 500, firstFrame: frame, fragments: 1 };
}

describe('RpcMatcher message shapes', () => {
  it('call, reply, duplicate reply and orphan reply have their keys in order', () => {
    const msgs: RpcMessage[] = [];
    const m = new RpcMatcher();
    const out = (x: RpcMessage): void => {
      msgs.push(x);
    };
    m.push(rec('ab', encodeRpcCall({ xid: 1, prog: 100003, vers: 4, proc: 1 }), 1), out);
    m.push(rec('ba', encodeRpcReply({ xid: 1, accept: 0 }), 2), out);
    m.push(rec('ba', encodeRpcReply({ xid: 1, accept: 0 }), 3), out);
    m.push(rec('ba', encodeRpcReply({ xid: 9, accept: 0 }), 4), out);
    const base = ['record', 'src', 'dst', 'header', 'xid', 'type'];
    const matched = ['program', 'version', 'procedure', 'callFrame', 'responseTime'];
    expect(msgs.map((x) => Object.keys(x))).toEqual([
      [...base, 'program', 'version', 'procedure'],
      [...base, ...matched],
      [...base, 'duplicate', ...matched],
      [...base, 'orphan'],
    ]);
    expect(msgs[1]).toMatchObject({ type: 'reply', program: 100003, version: 4, procedure: 1, callFrame: 1, responseTime: 1 });
    expect(msgs[1].duplicate).toBeUndefined();
    expect(msgs[2]).toMatchObject({ duplicate: true, callFrame: 1, responseTime: 2 });
    expect(msgs[3]).toMatchObject({ orphan: true, xid: 9 });
  });
});

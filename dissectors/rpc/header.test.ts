import { describe, expect, it } from 'vitest';
import { decodeRpcHeader } from './header.js';
import { encodeAuthSys, encodeGssCred, encodeRpcCall, encodeRpcReply } from './encode.js';
import type { RpcCallHeader, RpcReplyHeader } from './types.js';

function call(bytes: Uint8Array): RpcCallHeader {
  const r = decodeRpcHeader(bytes);
  if (!r.ok) throw new Error(`decode failed: ${r.reason} @${r.offset}`);
  if (r.header.msgType !== 'call') throw new Error('not a call');
  return r.header;
}

function reply(bytes: Uint8Array): RpcReplyHeader {
  const r = decodeRpcHeader(bytes);
  if (!r.ok) throw new Error(`decode failed: ${r.reason} @${r.offset}`);
  if (r.header.msgType !== 'reply') throw new Error('not a reply');
  return r.header;
}

const args = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 1]);

describe('decodeRpcHeader: calls', () => {
  it('decodes an AUTH_SYS call with gids', () => {
    const cred = encodeAuthSys({ stamp: 0x5f00beef, machinename: 'client.example', uid: 1000, gid: 100, gids: [100, 4, 27] });
    const bytes = encodeRpcCall({ xid: 0x1a2b0101, prog: 100003, vers: 4, proc: 1, cred: { flavor: 1, body: cred }, body: args });
    const h = call(bytes);
    expect(h.xid).toBe(0x1a2b0101);
    expect([h.rpcvers, h.prog, h.vers, h.proc]).toEqual([2, 100003, 4, 1]);
    expect(h.cred.flavorName).toBe('AUTH_SYS');
    expect(h.cred.offset).toBe(24);
    expect(h.cred.sys).toEqual({ stamp: 0x5f00beef, machinename: 'client.example', uid: 1000, gid: 100, gids: [100, 4, 27] });
    expect(h.verf.flavorName).toBe('AUTH_NONE');
    expect(h.verf.offset).toBe(24 + 8 + cred.length);
    expect(h.bodyOffset).toBe(bytes.length - 8);
    expect(Array.from(bytes.subarray(h.bodyOffset))).toEqual(Array.from(args));
    expect(h.bodyWrap).toBeUndefined();
  });

  it('keeps the header usable when the AUTH_SYS body is bad (17 gids)', () => {
    const cred = encodeAuthSys({ stamp: 1, machinename: 'x', uid: 0, gid: 0, gids: Array.from({ length: 17 }, (_, i) => i) });
    const h = call(encodeRpcCall({ xid: 7, prog: 100003, vers: 4, proc: 0, cred: { flavor: 1, body: cred } }));
    expect(h.cred.sys).toBeUndefined();
    expect(h.cred.problem).toBe('AUTH_SYS gids count 17 exceeds 16');
  });

  it('decodes RPCSEC_GSS credentials and labels wrapped bodies', () => {
    const handle = new Uint8Array([1, 2, 3, 4, 5, 6]);
    const mk = (proc: number, service: number) =>
      call(
        encodeRpcCall({
          xid: 9,
          prog: 100003,
          vers: 4,
          proc: 1,
          cred: { flavor: 6, body: encodeGssCred({ proc, seqNum: 77, service, handle }) },
          verf: { flavor: 6, body: new Uint8Array(28).fill(0xaa) },
          body: args,
        }),
      );
    const integ = mk(0, 2);
    expect(integ.cred.flavorName).toBe('RPCSEC_GSS');
    expect(integ.cred.gss).toEqual({ version: 1, proc: 0, seqNum: 77, service: 2, handle });
    expect(integ.verf.body.length).toBe(28);
    expect(integ.bodyWrap).toBe('gss-integrity');
    expect(mk(0, 3).bodyWrap).toBe('gss-privacy');
    expect(mk(1, 1).bodyWrap).toBe('gss-control');
    expect(mk(0, 1).bodyWrap).toBeUndefined();
  });

  it('keeps unknown flavors opaque', () => {
    const h = call(encodeRpcCall({ xid: 1, prog: 100003, vers: 4, proc: 0, cred: { flavor: 390004, body: new Uint8Array([9, 9, 9]) } }));
    expect(h.cred.flavorName).toBe('flavor 390004');
    expect(Array.from(h.cred.body)).toEqual([9, 9, 9]);
    expect(h.bodyOffset).toBe(24 + 8 + 4 + 8);
  });

  it('rejects an opaque_auth longer than 400 bytes', () => {
    const bytes = encodeRpcCall({ xid: 1, prog: 100003, vers: 4, proc: 0, cred: { flavor: 1, body: new Uint8Array(404) } });
    const r = decodeRpcHeader(bytes);
    expect(r).toEqual({ ok: false, reason: 'credential body length 404 exceeds 400', offset: 28 });
  });
});

describe('decodeRpcHeader: replies', () => {
  it('decodes accepted replies', () => {
    const ok = reply(encodeRpcReply({ xid: 5, accept: 0, body: args }));
    expect(ok.replyStat).toBe('MSG_ACCEPTED');
    expect(ok.acceptStat).toBe('SUCCESS');
    expect(ok.bodyOffset).toBe(24);
    expect(ok.verf?.flavorName).toBe('AUTH_NONE');
    const names = [1, 3, 4, 5].map((s) => reply(encodeRpcReply({ xid: 5, accept: s })).acceptStat);
    expect(names).toEqual(['PROG_UNAVAIL', 'PROC_UNAVAIL', 'GARBAGE_ARGS', 'SYSTEM_ERR']);
    const mm = reply(encodeRpcReply({ xid: 5, accept: 2, mismatch: { low: 2, high: 4 } }));
    expect(mm.acceptStat).toBe('PROG_MISMATCH');
    expect(mm.mismatch).toEqual({ low: 2, high: 4 });
    expect(mm.bodyOffset).toBe(32);
  });

  it('decodes denied replies', () => {
    const rm = reply(encodeRpcReply({ xid: 6, denied: 'RPC_MISMATCH', low: 2, high: 2 }));
    expect(rm).toEqual({ xid: 6, msgType: 'reply', replyStat: 'MSG_DENIED', rejectStat: 'RPC_MISMATCH', mismatch: { low: 2, high: 2 }, bodyOffset: 24 });
    const ae = reply(encodeRpcReply({ xid: 6, denied: 'AUTH_ERROR', authStat: 5 }));
    expect(ae.rejectStat).toBe('AUTH_ERROR');
    expect(ae.authStat).toBe('AUTH_TOOWEAK');
    expect(reply(encodeRpcReply({ xid: 6, denied: 'AUTH_ERROR', authStat: 14 })).authStat).toBe('RPCSEC_GSS_CTXPROBLEM');
    expect(reply(encodeRpcReply({ xid: 6, denied: 'AUTH_ERROR', authStat: 99 })).authStat).toBe('auth_stat 99');
  });

  it('rejects a bad msg_type and reply_stat', () => {
    const b = encodeRpcReply({ xid: 1, accept: 0 });
    b[7] = 2;
    expect(decodeRpcHeader(b)).toEqual({ ok: false, reason: 'msg_type 2 is neither CALL (0) nor REPLY (1)', offset: 4 });
    const c = encodeRpcReply({ xid: 1, accept: 0 });
    c[11] = 3;
    expect(decodeRpcHeader(c)).toEqual({ ok: false, reason: 'reply_stat 3 is neither MSG_ACCEPTED (0) nor MSG_DENIED (1)', offset: 8 });
  });
});

describe('decodeRpcHeader: truncation', () => {
  const samples: Array<[string, Uint8Array, number]> = [
    [
      'AUTH_SYS call',
      encodeRpcCall({
        xid: 1,
        prog: 100003,
        vers: 4,
        proc: 1,
        cred: { flavor: 1, body: encodeAuthSys({ stamp: 1, machinename: 'host', uid: 0, gid: 0, gids: [1, 2] }) },
      }),
      0,
    ],
    [
      'GSS call',
      encodeRpcCall({
        xid: 1,
        prog: 100003,
        vers: 4,
        proc: 1,
        cred: { flavor: 6, body: encodeGssCred({ proc: 0, seqNum: 1, service: 2, handle: new Uint8Array(8) }) },
        verf: { flavor: 6, body: new Uint8Array(20) },
      }),
      0,
    ],
    ['accepted reply', encodeRpcReply({ xid: 1, accept: 2, mismatch: { low: 1, high: 4 } }), 0],
    ['RPC_MISMATCH', encodeRpcReply({ xid: 1, denied: 'RPC_MISMATCH', low: 2, high: 2 }), 0],
    ['AUTH_ERROR', encodeRpcReply({ xid: 1, denied: 'AUTH_ERROR', authStat: 1 }), 0],
  ];
  for (const [name, full] of samples) {
    it(`${name}: every shorter length fails cleanly, the full length decodes`, () => {
      for (let len = 0; len < full.length; len++) {
        const r = decodeRpcHeader(full.subarray(0, len));
        expect(r.ok, `length ${len}`).toBe(false);
        if (!r.ok) {
          expect(r.reason.length).toBeGreaterThan(0);
          expect(r.offset).toBeGreaterThanOrEqual(0);
          expect(r.offset).toBeLessThanOrEqual(len + 4);
        }
      }
      expect(decodeRpcHeader(full).ok).toBe(true);
    });
  }
});

describe('decodeRpcHeader: auth bodies', () => {
  it('bodies are views into the record, and JSON shows them like plain fields', () => {
    const credBody = encodeAuthSys({ stamp: 3, machinename: 'm', uid: 1, gid: 2, gids: [] });
    const bytes = encodeRpcCall({ xid: 1, prog: 100003, vers: 4, proc: 0, cred: { flavor: 1, body: credBody } });
    const h = call(bytes);
    expect(Array.from(h.cred.body)).toEqual(Array.from(credBody));
    expect(h.cred.body.buffer).toBe(bytes.buffer);
    expect(h.verf.body.length).toBe(0);
    const json = JSON.parse(JSON.stringify(h.cred)) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['flavor', 'flavorName', 'body', 'offset', 'sys']);
    expect(json.flavorName).toBe('AUTH_SYS');
  });
});

import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedScenario, listScenarios, parseSize, runScenario } from './index.js';
import type { ExpectedCapture, ExpectedMessage } from './expected.js';
import { tsharkExpectations } from './oracle.js';
import { decodeRpcHeader } from '../../dissectors/rpc/header.js';
import { decodeNfsCall, decodeNfsReply } from '../../dissectors/nfs4/compound.js';
import { tsharkAvailable, tsharkFields } from '../../test/helpers/tshark.js';

const dir = mkdtempSync(join(tmpdir(), 'nfscope-scen-'));
const small = listScenarios().filter((s) => !s.workload);

/** Decodes a message with the project's RPC and NFSv4 decoders (program from the call). */
function decodeMessage(m: ExpectedMessage, bytes: Uint8Array) {
  const h = decodeRpcHeader(bytes);
  if (!h.ok) throw new Error(`RPC header: ${h.reason}`);
  const program = m.channel === 'fore' ? 'NFS' : 'NFS_CB';
  const c = m.msgtyp === 0
    ? decodeNfsCall(bytes, h.header.bodyOffset, program, m.version, m.procedure)
    : decodeNfsReply(bytes, h.header.bodyOffset, program, m.version, m.procedure);
  return { header: h.header, compound: c };
}

describe('scenario registry', () => {
  it('lists the required scenarios and the workload', () => {
    const names = listScenarios().map((s) => s.name);
    for (const n of ['dirdeleg', 'workload']) expect(names).toContain(n);
    for (const s of listScenarios()) expect(s.description.length).toBeGreaterThan(20);
  });

  it('rejects an unknown scenario', async () => {
    await expect(runScenario('no-such-thing', join(dir, 'x.pcap'))).rejects.toThrow(/unknown scenario/);
  });

  it('rejects when the file cannot be written (small scenario and streaming workload)', async () => {
    await expect(runScenario('dirdeleg', join(dir, 'missing-dir', 'x.pcap'))).rejects.toThrow(/ENOENT/);
    await expect(runScenario('workload', join(dir, 'missing-dir', 'w.pcap'), { packets: 20_000 })).rejects.toThrow(/ENOENT/);
  });
});

for (const s of small) {
  describe(`scenario ${s.name}`, () => {
    const decoded: Array<{ m: ExpectedMessage; bytes: Uint8Array }> = [];
    const expected: ExpectedCapture = expectedScenario(s.name, (m, bytes) => decoded.push({ m, bytes: bytes.slice() }));

    it('is deterministic and frame numbers are consistent', () => {
      const again = expectedScenario(s.name);
      expect(JSON.stringify(again)).toBe(JSON.stringify(expected));
      let last = 0;
      for (const m of expected.messages) {
        if (m.frame === 0) continue;
        expect(m.frame).toBeGreaterThanOrEqual(last);
        expect(m.firstFrame).toBeLessThanOrEqual(m.frame);
        expect(m.frame).toBeLessThanOrEqual(expected.frames);
        last = m.frame;
      }
      // Every reply answers an earlier call of the same connection and channel.
      for (const m of expected.messages.filter((x) => x.msgtyp === 1)) {
        const call = expected.messages.find((c) => c.msgtyp === 0 && c.xid === m.xid && c.conn === m.conn && c.channel === m.channel && c.index < m.index);
        expect(call, `call for reply xid ${m.xid.toString(16)}`).toBeDefined();
      }
    });

    it('every message decodes with the project decoders to the expected ops and statuses', () => {
      expect(decoded.length).toBe(expected.messages.length);
      for (const { m, bytes } of decoded) {
        const { header, compound } = decodeMessage(m, bytes);
        expect(header.xid).toBe(m.xid);
        expect(compound.malformed).toBeUndefined();
        expect(compound.ops.map((o) => o.op)).toEqual(m.ops);
        for (const o of compound.ops) expect(o.malformed, `${m.index} ${o.op}`).toBeUndefined();
        if (m.msgtyp === 1) {
          expect(compound.status).toBe(m.status);
          expect(compound.ops.map((o) => o.status)).toEqual(m.opStatus);
        }
      }
    });

    it('delegation events point at messages of the right kind', () => {
      const byIndex = new Map(expected.messages.map((m) => [m.index, m]));
      for (const d of expected.delegations) {
        for (const e of d.events) {
          const call = byIndex.get(e.call.index)!;
          expect(call.frame).toBe(e.call.frame);
          const want = { granted: ['OPEN', 'GET_DIR_DELEGATION'], notified: ['CB_NOTIFY'], recalled: ['CB_RECALL'], returned: ['DELEGRETURN'], revoked: [] as string[], freed: ['FREE_STATEID'] }[e.kind];
          if (want.length) expect(call.ops.some((o) => want.includes(o)), `${d.id} ${e.kind} -> ${call.ops}`).toBe(true);
          if (e.reply) {
            const reply = byIndex.get(e.reply.index)!;
            expect(reply.msgtyp).toBe(1);
            expect(reply.xid).toBe(call.xid);
          }
        }
        // The CB_NOTIFY bytes decode (through the notify4 hook) to the changes listed.
        for (const e of d.events.filter((x) => x.kind === 'notified')) {
          const msg = decoded.find((x) => x.m.index === e.call.index)!;
          const notifyOp = decodeMessage(msg.m, msg.bytes).compound.ops.find((o) => o.op === 'CB_NOTIFY')!;
          const args = notifyOp.args as { cna_stateid: { other: Uint8Array }; cna_changes: Array<{ values: Array<{ type: string }> }> };
          expect(Buffer.from(args.cna_stateid.other).toString('hex')).toBe(d.stateidOther);
          expect(args.cna_changes.map((n) => n.values.map((v) => v.type))).toEqual(e.changes!.map((c) => c.mask));
        }
        for (const c of d.changes) {
          if (c.delivery === 'missed') expect(c.deliveredBy).toBeUndefined();
          else expect(c.deliveredBy).toBeDefined();
        }
        expect(d.notificationsComplete).toBe(d.changes.every((c) => c.delivery !== 'missed'));
      }
    });

    it.skipIf(!tsharkAvailable)('tshark shows the same RPC frames, xids, types and op numbers; TCP is clean', async () => {
      const path = join(dir, `${s.name}.pcap`);
      const res = await runScenario(s.name, path);
      expect(res.frames).toBe(expected.frames);
      const rows = tsharkFields(path, ['frame.number', 'rpc.xid', 'rpc.msgtyp', 'nfs.opcode', 'nfs.cb.operation']).filter((r) => r[1].length > 0);
      const want = tsharkExpectations(expected.messages);
      expect(rows.map((r) => [Number(r[0][0]), r[1], r[2]])).toEqual(want.map((w) => [w.frame, w.xids, w.msgtyps]));
      rows.forEach((r, i) => {
        const w = want[i];
        if (w.opcodesExact) expect(r[3], `frame ${w.frame} nfs.opcode`).toEqual(w.opcodes);
        else expect(r[3].slice(0, w.opcodes.length), `frame ${w.frame} nfs.opcode`).toEqual(w.opcodes);
        if (w.cbOpsExact) expect(r[4], `frame ${w.frame} nfs.cb.operation`).toEqual(w.cbOps);
        else expect(r[4].slice(0, w.cbOps.length), `frame ${w.frame} nfs.cb.operation`).toEqual(w.cbOps);
      });
      const flagged = tsharkFields(path, ['frame.number'], ['-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', '-Y', 'tcp.analysis.flags || tcp.checksum.status==Bad || ip.checksum.status==Bad'])
        .map((r) => Number(r[0][0]));
      expect(flagged).toEqual(expected.intendedTcpAnalysisFrames);
    });
  });
}

describe('parseSize', () => {
  it('reads counts and sizes', () => {
    expect(parseSize('1000')).toBe(1000);
    expect(parseSize('1e6')).toBe(1_000_000);
    expect(parseSize('64k')).toBe(65536);
    expect(parseSize('1G')).toBe(1 << 30);
    expect(parseSize('1.5MB')).toBe(1.5 * (1 << 20));
    expect(parseSize('-1')).toBeNull();
    expect(parseSize('lots')).toBeNull();
  });
});

/**
 * `nfscope read` as a user runs it: the same capture as pcap, pcapng, nanosecond pcap,
 * gzip and standard input gives identical output; bad input gives one line and an exit code.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli, ROOT } from '../../test/helpers/cli.js';

const CRAFTED = join(ROOT, 'captures', 'crafted-dirdeleg-notify-1.pcap');
const LINUX = join(ROOT, 'captures', 'linux-6.1-nfsd-v41-deleg-recall.pcap');
const hasEditcap = (() => {
  try {
    execFileSync('editcap', ['-h'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('read: one output whatever the container', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nfscope-read-'));
  const reference = runCli(['read', '--json', LINUX]);

  it('reference run decodes messages and ends with a summary', () => {
    expect(reference.status).toBe(0);
    const lines = reference.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const summary = lines.pop() as { summary: { framesRead: number; framesWithRpc: number; rpcMessages: number } };
    expect(summary.summary.framesRead).toBe(257);
    expect(summary.summary.rpcMessages).toBe(lines.length);
    expect(lines[0]).toMatchObject({ frame: expect.any(Number), type: 'call', program: 100003, version: 4 });
    const reply = lines.find((l) => l.type === 'reply') as { callFrame: number; responseTime: number };
    expect(reply.callFrame).toBeGreaterThan(0);
    expect(reply.responseTime).toBeGreaterThanOrEqual(0);
  });

  it('gzip-compressed file', () => {
    const gz = join(dir, 'linux.pcap.gz');
    writeFileSync(gz, gzipSync(readFileSync(LINUX)));
    expect(runCli(['read', '--json', gz]).stdout).toBe(reference.stdout);
  });

  it('standard input (- and -r -)', () => {
    expect(runCli(['read', '--json', '-'], readFileSync(LINUX)).stdout).toBe(reference.stdout);
    expect(runCli(['read', '--json', '-r', '-'], readFileSync(LINUX)).stdout).toBe(reference.stdout);
  });

  it('-r FILE, as tshark takes it, for read, deleg and stats', () => {
    expect(runCli(['read', '--json', '-r', LINUX]).stdout).toBe(reference.stdout);
    for (const command of ['deleg', 'stats']) {
      const positional = runCli([command, '--json', LINUX]);
      expect(positional.status).toBe(0);
      expect(positional.stdout.length).toBeGreaterThan(100);
      expect(runCli([command, '--json', '-r', LINUX]).stdout).toBe(positional.stdout);
    }
  });

  it.skipIf(!hasEditcap)('pcapng and nanosecond pcap written by editcap', () => {
    const ng = join(dir, 'linux.pcapng');
    const ns = join(dir, 'linux-ns.pcap');
    execFileSync('editcap', ['-F', 'pcapng', LINUX, ng]);
    execFileSync('editcap', ['-F', 'nsecpcap', LINUX, ns]);
    expect(runCli(['read', '--json', ng]).stdout).toBe(reference.stdout);
    expect(runCli(['read', '--json', ns]).stdout).toBe(reference.stdout);
  });
});

describe('read: output forms', () => {
  it('summary lines name the ops and CB_NOTIFY entries, calls show their reply frame', () => {
    const r = runCli(['read', CRAFTED]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('NFS V4 Call (Reply In 31) SEQUENCE PUTFH GET_DIR_DELEGATION');
    expect(r.stdout).toContain('GET_DIR_DELEGATION(UNAVAIL)');
    expect(r.stdout).toContain('CB_SEQUENCE CB_NOTIFY(REMOVE "newfile", ADD "report.txt")');
    expect(r.stderr).toMatch(/^141 frames read \(\d+ bytes\), \d+ with RPC; 82 RPC messages/);
  });

  it('-Y keeps only matching messages', () => {
    const r = runCli(['read', '-Y', 'nfs.opcode == GET_DIR_DELEGATION && rpc.msgtyp == 1', CRAFTED]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.every((l) => l.includes('Reply') && l.includes('GET_DIR_DELEGATION'))).toBe(true);
  });

  it('--json carries decoded ops with spec field names', () => {
    const r = runCli(['read', '--json', '-Y', 'nfs.cb.operation == CB_NOTIFY && rpc.msgtyp == 0', CRAFTED]);
    const first = JSON.parse(r.stdout.split('\n')[0]) as { ops: Array<{ op: string; args: Record<string, unknown> }> };
    const notify = first.ops.find((o) => o.op === 'CB_NOTIFY')!;
    expect(notify.args.cna_stateid).toEqual({ seqid: 1, other: 'dd010000d1e0000000000001' });
    expect(notify.args.cna_fh).toBe('01000700000000000000006464');
    const change = (notify.args.cna_changes as Array<{ notify_vals: Array<Record<string, unknown>> }>)[0];
    expect(change.notify_vals[0].type).toBe('NOTIFY4_ADD_ENTRY');
  });

  it('-V prints a tree with byte offsets; -T fields prints chosen fields', () => {
    const v = runCli(['read', '-V', '-c', '1', CRAFTED]);
    expect(v.stdout).toMatch(/EXCHANGE_ID/);
    expect(v.stdout).toMatch(/\[\d+\.\.\d+\]/);
    const f = runCli(['read', '-T', 'fields', '-e', 'frame.number', '-e', 'rpc.xid', '-c', '2', CRAFTED]);
    expect(f.stdout).toBe('7\t0x1a2b0101\n9\t0x1a2b0101\n');
  });
});

describe('read: errors are one line and a non-zero exit', () => {
  it('missing file', () => {
    const r = runCli(['read', '/nonexistent/x.pcap']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('/nonexistent/x.pcap');
  });

  it('not a capture', () => {
    const r = runCli(['read', join(ROOT, 'package.json')]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('bad filter points at the character', () => {
    const r = runCli(['read', '-Y', 'rpc.xid == == 3', CRAFTED]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('^');
  });

  it('a capture given twice, or not at all', () => {
    for (const command of ['read', 'deleg', 'stats']) {
      const twice = runCli([command, '-r', LINUX, CRAFTED]);
      expect(twice.status).toBe(2);
      expect(twice.stderr.trim().split('\n')).toEqual(['nfscope: give the capture either as FILE or with -r FILE, not both']);
      const none = runCli([command]);
      expect(none.status).toBe(2);
      expect(none.stderr.trim().split('\n')).toHaveLength(1);
      expect(none.stderr).toContain(`${command} needs a capture FILE`);
    }
  });

  it('unknown option and unknown field', () => {
    expect(runCli(['read', '--bogus', CRAFTED]).status).toBe(2);
    expect(runCli(['read', '-T', 'fields', '-e', 'no.such.field', CRAFTED]).status).toBe(2);
  });
});

/**
 * Live capture for real, on loopback only: `nfscope read -i lo` watches a TCP connection
 * on which this test replays the two byte streams of a recorded NFSv4.1 session (client A
 * of the crafted capture: fore channel and back channel). The messages it prints are the
 * ones the file gives. Needs root and the optional `cap` package; skipped otherwise.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../test/helpers/cli.js';
import { decodeFrame, Ipv4Reassembler } from '../net/index.js';
import { openCapture } from '../sources/index.js';
import { TcpReassembler } from '../tcp/reassembler.js';

const isRoot = process.getuid?.() === 0;
const hasCap = (() => {
  try {
    createRequire(import.meta.url).resolve('cap');
    return true;
  } catch {
    return false;
  }
})();

/** The in-order bytes each side of the first connection sent, in the order they were sent. */
async function streamsOfFirstConnection(path: string): Promise<Array<{ fromClient: boolean; bytes: Buffer }>> {
  const tcp = new TcpReassembler();
  const ip = new Ipv4Reassembler();
  const out: Array<{ fromClient: boolean; bytes: Buffer }> = [];
  let firstConn: number | undefined;
  for await (const batch of (await openCapture(path)).batches()) {
    for (const f of batch) {
      const r = decodeFrame(f, ip);
      if (r.ok !== true) continue;
      tcp.push(r.segment, (e) => {
        if (e.kind !== 'data') return;
        firstConn ??= e.conn.id;
        if (e.conn.id === firstConn) out.push({ fromClient: e.dir === 'ab', bytes: Buffer.from(e.bytes) });
      });
    }
  }
  return out;
}

function waitFor(pred: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (pred()) resolve();
      else if (Date.now() > end) reject(new Error('timed out'));
      else setTimeout(tick, 20);
    };
    tick();
  });
}

describe.skipIf(!isRoot || !hasCap)('live capture on loopback', () => {
  it('decodes a replayed NFSv4.1 session as it happens', async () => {
    const streams = await streamsOfFirstConnection(join(ROOT, 'captures', 'crafted-dirdeleg-notify-1.pcap'));
    expect(streams.length).toBeGreaterThan(10);
    let serverSide: Socket | undefined;
    const server = createServer((s) => {
      serverSide = s;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;

    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', 'nfscope.ts'), 'read', '--json', '-i', 'lo', '-f', `tcp port ${port}`, '-a', '20'], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // Give libpcap time to open the interface before the traffic starts.
    await new Promise((r) => setTimeout(r, 4000));

    const client = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => client.on('connect', () => resolve()));
    await waitFor(() => serverSide !== undefined, 2000);
    for (const s of streams) {
      (s.fromClient ? client : serverSide!).write(s.bytes);
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 300));
    client.end();
    serverSide!.end();
    server.close();
    // Output streams while the capture runs; Ctrl-C ends it with the summary.
    await waitFor(() => stdout.split('\n').length > 40, 15_000).catch(() => undefined);
    child.kill('SIGINT');
    await exited;
    expect(stdout).toContain('"summary"');

    const lines = stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const messages = lines.filter((l) => l.xid !== undefined);
    expect(stderr).toBe('');
    // Connection A of the crafted capture: 22 fore-channel calls + replies and 14 callbacks + replies.
    expect(messages.length).toBeGreaterThanOrEqual(40);
    const notify = messages.find((m) => JSON.stringify(m.ops ?? []).includes('"CB_NOTIFY"') && m.type === 'call');
    expect(notify).toBeDefined();
    expect(messages.every((m) => m.dst === `127.0.0.1:${port}` || m.src === `127.0.0.1:${port}`)).toBe(true);
  }, 60_000);
});

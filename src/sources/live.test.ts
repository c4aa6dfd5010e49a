/** Live capture on loopback: runs only as root with the optional `cap` package installed. */
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import net from 'node:net';
import { openLive } from './live.js';
import type { Frame } from './types.js';

function capInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('cap');
    return true;
  } catch {
    return false;
  }
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

describe.skipIf(!isRoot || !capInstalled())('live capture on lo', () => {
  it('sees the TCP segments of a connection to ourselves', async () => {
    const server = net.createServer((s) => s.on('data', (d) => s.end(d)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const stop = new AbortController();
    const src = await openLive('lo', `tcp port ${port}`, { signal: stop.signal });
    const frames: Frame[] = [];
    const reading = (async () => {
      for await (const batch of src.batches()) frames.push(...batch);
    })();
    const before = Date.now() / 1000;
    await new Promise<void>((resolve, reject) => {
      const c = net.connect(port, '127.0.0.1', () => c.write('hello nfscope'));
      c.on('data', () => undefined);
      c.on('close', () => resolve());
      c.on('error', reject);
    });
    await new Promise((r) => setTimeout(r, 300));
    stop.abort();
    await reading;
    server.close();
    // SYN, SYN-ACK, ACK, data, data back, FINs and ACKs: at least 6 frames.
    expect(frames.length).toBeGreaterThanOrEqual(6);
    frames.forEach((f, i) => {
      expect(f.no).toBe(i + 1);
      expect(f.linktype).toBe(1); // Linux loopback is Ethernet-framed
      expect(f.sec).toBeGreaterThanOrEqual(Math.floor(before) - 1);
    });
    expect(frames.some((f) => Buffer.from(f.data).includes('hello nfscope'))).toBe(true);
  });

  it('rejects an unknown interface with a one-line error', async () => {
    await expect(openLive('nfscope-no-such-if0', '', {})).rejects.toThrow(/^cannot capture on nfscope-no-such-if0: [^\n]+$/);
  });
});

describe('without cap', () => {
  it('explains in one line that the optional package is missing', async () => {
    const { loadCap } = await import('./live.js');
    await expect(loadCap('nfscope-no-such-package')).rejects.toThrow(/^live capture needs the optional package 'cap' \(npm install cap\), which could not be loaded: [^\n]+$/);
  });
});

/**
 * Live capture through the optional `cap` package (libpcap binding). `cap` is loaded lazily so
 * that everything else works when it is not installed. cap gives no timestamps, so frames get
 * the wall-clock time at which Node saw them.
 */
import type { CaptureSource, Frame, SourceProblem } from './types.js';

/** The part of cap's API used here (the package ships no type declarations). */
interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): void;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): void;
  removeAllListeners(event?: string): void;
}
export interface CapModule {
  Cap: new () => CapHandle;
}

export interface OpenLiveOptions {
  onProblem?: (p: SourceProblem) => void;
  /** Ends the capture (the iteration finishes after the frames already received). */
  signal?: AbortSignal;
  /** Kernel buffer size for libpcap (default 10 MiB). */
  bufferSize?: number;
  /** Frames kept while the consumer is busy; beyond this, frames are dropped and reported. */
  maxQueuedFrames?: number;
}

/** cap reports the link type by name; these are the LINKTYPE_* numbers. */
const LINKTYPES: Record<string, number> = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  IEEE802_11_RADIO: 127,
  LINKTYPE_LINUX_SLL: 113,
};

const MAX_PACKET = 65535;

/**
 * Starts capturing on `iface` with a BPF `filter` ('' = everything). Rejects with a one-line
 * Error when cap is missing, the interface does not exist or permission is lacking.
 */
export async function openLive(iface: string, filter: string, opts: OpenLiveOptions = {}): Promise<CaptureSource> {
  const cap = await loadCap();
  const handle = new cap.Cap();
  const buffer = Buffer.alloc(MAX_PACKET);
  let linkName: string;
  try {
    linkName = handle.open(iface, filter, opts.bufferSize ?? 10 * 1024 * 1024, buffer);
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    const perm = /permit|permission|denied/i.test(msg) ? ' (live capture needs root or CAP_NET_RAW)' : '';
    throw new Error(`cannot capture on ${iface}: ${msg}${perm}`);
  }
  const linktype = LINKTYPES[linkName];
  if (linktype === undefined) {
    handle.close();
    throw new Error(`cannot capture on ${iface}: unsupported link type (${linkName})`);
  }

  const onProblem = opts.onProblem ?? (() => {});
  const maxQueued = opts.maxQueuedFrames ?? 100_000;
  let queue: Frame[] = [];
  let dropped = 0;
  let frameNo = 0;
  let ended = false;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const stop = (): void => {
    if (ended) return;
    ended = true;
    handle.removeAllListeners('packet');
    handle.close();
    notify();
  };

  handle.on('packet', (nbytes: number) => {
    if (queue.length >= maxQueued) {
      dropped++;
      return;
    }
    // cap reuses its one buffer for every packet: copy.
    const data = Buffer.from(buffer.subarray(0, Math.min(nbytes, MAX_PACKET)));
    const nowMs = performance.timeOrigin + performance.now();
    const sec = Math.floor(nowMs / 1000);
    queue.push({ no: ++frameNo, sec, nsec: Math.floor((nowMs - sec * 1000) * 1e6), linktype, data, origLen: nbytes });
    notify();
  });
  if (opts.signal) {
    if (opts.signal.aborted) stop();
    else opts.signal.addEventListener('abort', stop, { once: true });
  }

  let used = false;
  return {
    batches(): AsyncIterable<Frame[]> {
      if (used) throw new Error('CaptureSource.batches() can only be iterated once');
      used = true;
      return (async function* () {
        try {
          for (;;) {
            if (dropped > 0) {
              onProblem({ offset: 0, reason: `live capture: ${dropped} frames dropped (consumer too slow)` });
              dropped = 0;
            }
            if (queue.length > 0) {
              const batch = queue;
              queue = [];
              yield batch;
              continue;
            }
            if (ended) return;
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
          }
        } finally {
          stop();
        }
      })();
    },
  };
}

/** Loads cap (`specifier` exists for tests of the missing-package message). */
export async function loadCap(specifier = 'cap'): Promise<CapModule> {
  // A variable specifier keeps TypeScript from looking for cap's (absent) declarations.
  const name = specifier;
  let mod: { default?: CapModule } & Partial<CapModule>;
  try {
    mod = (await import(name)) as { default?: CapModule } & Partial<CapModule>;
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new Error(`live capture needs the optional package 'cap' (npm install cap), which could not be loaded: ${msg}`);
  }
  const cap = mod.Cap ? (mod as CapModule) : mod.default;
  if (!cap || typeof cap.Cap !== 'function') throw new Error("live capture: the 'cap' package does not export Cap");
  return cap;
}

/**
 * The incremental analysis engine with its NFSv4 decoders: frames in, RPC messages with their
 * decoded NFSv4 bodies out (see engine-core.ts, which this completes).
 */
import { decodeNfsCall, decodeNfsReply, lastDecodeViewBytes } from '../dissectors/nfs4/compound.js';
import { EngineCore, type EngineOptions } from './engine-core.js';
import type { CaptureSource } from './sources/types.js';

export { EngineCore, FrameReason } from './engine-core.js';
export type { AnalyzedMessage, EngineOptions, EngineSummary, NfsDecoders } from './engine-core.js';

export const NFS_DECODERS = { decodeNfsCall, decodeNfsReply, lastDecodeViewBytes };

export class Engine extends EngineCore {
  constructor(opts: EngineOptions = {}) {
    super(opts, NFS_DECODERS);
  }
}

/** Feeds every frame of a capture source into a new engine and finishes it. */
export async function runEngine(source: CaptureSource, opts: EngineOptions = {}): Promise<Engine> {
  const engine = new Engine(opts);
  // The engine keeps no Frame object past feed(): the source may reuse them.
  for await (const batch of source.batches({ transient: true })) {
    for (const frame of batch) engine.feed(frame);
  }
  engine.finish();
  return engine;
}

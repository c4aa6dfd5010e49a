/** Capture sources: files (pcap, pcapng, gzipped or not), standard input, any byte stream, live. */
export type { BatchOptions, CaptureSource, Frame, SourceProblem } from './types.js';
export { openCapture, openCaptureStream } from './open.js';
export type { OpenCaptureOptions, OpenedCapture, CaptureFormat } from './open.js';
export { openLive } from './live.js';
export { collectFrames } from './collect.js';
export type { OpenLiveOptions } from './live.js';

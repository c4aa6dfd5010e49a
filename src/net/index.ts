/** Link and network decoding: frames to TCP/UDP segments. */
export type { LinkDecodeResult, TransportSegment } from './types.js';
export { decodeFrame } from './decode.js';
export { Ipv4Reassembler } from './ipv4-reassembler.js';
export type { Ipv4ReassemblerOptions, FragmentResult } from './ipv4-reassembler.js';
export { ipv4String, ipv6String } from './addr.js';

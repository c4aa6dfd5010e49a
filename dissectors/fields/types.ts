/**
 * Field registry types: one declaration per display-filter field (name, type, label,
 * value names, extractor), shared by the display filter, -T fields, -V trees and the TUI.
 */
import type { RpcHeader } from '../rpc/types.js';
import type { NfsCompound } from '../nfs4/types.js';

/** The RPC message facts a field may need (src/rpc's RpcMessage satisfies this shape). */
export interface RpcMessageLike {
  xid: number;
  type: 'call' | 'reply';
  header?: RpcHeader;
  /** For replies, taken from the matched call. */
  program?: number;
  version?: number;
  procedure?: number;
  /** Reply: frame of the matched call, and the response time in seconds. */
  callFrame?: number;
  responseTime?: number;
  duplicate?: boolean;
  orphan?: boolean;
}

/**
 * One RPC message as the field extractors see it. The engine builds it from an RpcMessage,
 * its record and its decoded NFSv4 body.
 */
export interface FieldSource {
  /** Frame where the RPC record completed. */
  frame: number;
  /** That frame's capture time: seconds since the epoch, and nanoseconds. */
  sec: number;
  nsec: number;
  /** Seconds since the first frame of the capture (tshark's frame.time_relative). */
  relTime: number;
  /** "ip:port" of sender and receiver ("[v6]:port" for IPv6 is fine too: only shown). */
  src: string;
  dst: string;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  /** Default 'tcp'. */
  transport?: 'tcp' | 'udp';
  rpc: RpcMessageLike;
  /** Decoded NFSv4 COMPOUND / CB_COMPOUND body, when the message is NFSv4. */
  nfs?: NfsCompound;
  /** Call: the frame of its reply, when the caller knows it (two-pass or live update). */
  replyFrame?: number;
  /** Why an RPC body was not decoded (not NFSv4, RPCSEC_GSS privacy, orphan reply, ...). */
  undecoded?: string;
}

/**
 * Field value kinds. Numbers are JS numbers, except 64-bit values above 2^53-1, which are
 * bigint (the XDR convention). 'enum' values are numbers with names in `values`.
 */
export type FieldType =
  | 'uint'        // unsigned integer up to 32 bits
  | 'uint64'      // unsigned 64-bit: number or bigint
  | 'int'
  | 'bool'
  | 'enum'        // number with value names
  | 'framenum'
  | 'string'
  | 'bytes'
  | 'ipv4'
  | 'ipv6'
  | 'abs_time'    // seconds since the epoch (number)
  | 'rel_time'    // seconds (number)
  | 'none';       // presence only (Wireshark FT_NONE): the value is `true`

export type FieldValue = number | bigint | boolean | string | Uint8Array;

/** How -T fields and trees print an integer: decimal, or 0x-prefixed hex of `hexDigits`. */
export type FieldBase = 'dec' | 'hex';

export interface FieldDef {
  /** Display-filter name, e.g. 'nfs.fh.hash'. */
  name: string;
  type: FieldType;
  /** Human label, as in Wireshark when the field is Wireshark's. */
  label: string;
  /** Integer display base for -T fields (tshark's convention for this field). */
  base?: FieldBase;
  hexDigits?: number;
  /** Enum value names: number -> name. */
  values?: ReadonlyMap<number, string>;
  /** True when tshark 4.0 has a field of this name (same meaning). */
  wireshark: boolean;
  /** Short note on what is extracted (shown by `nfscope fields`). */
  blurb?: string;
  /** Zero or more values of the field in one message. */
  extract(src: FieldSource): FieldValue[];
}

/** A transport-layer payload extracted from one frame (after link, IP and IP reassembly). */
export interface TransportSegment {
  /** Frame number where the segment (or the last IP fragment of it) arrived. */
  frame: number;
  sec: number;
  nsec: number;
  proto: 'tcp' | 'udp';
  /** Printable addresses: "10.0.0.1" or "fe80::1". */
  srcIp: string;
  dstIp: string;
  /**
   * Optional numeric digests of the addresses (IPv4: the address as a 32-bit integer; IPv6: a
   * hash of its 16 bytes), so that tables can key on numbers instead of hashing strings.
   * Equal addresses always have equal keys; unequal ones may collide (compare the strings).
   */
  srcKey?: number;
  dstKey?: number;
  srcPort: number;
  dstPort: number;
  /** TCP only (0 for UDP). */
  seq: number;
  ack: number;
  /** TCP flag bits as on the wire (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10). */
  flags: number;
  payload: Uint8Array;
  /**
   * Optional: where the payload lies, payloadBuf[payloadStart .. payloadStart + payloadLength)
   * (the same bytes as `payload`, which is then a view made only when read). Decoders set
   * these so that the reassembler can pass bytes on without a view per segment.
   */
  payloadBuf?: Uint8Array;
  payloadStart?: number;
  payloadLength?: number;
  /**
   * Payload bytes that were on the wire after `payload` but not captured (snap length), so a
   * reassembler can tell "not captured" from "not sent". 0 or absent when complete.
   */
  missing?: number;
}

/** Result of decoding a frame down to the transport layer. */
export type LinkDecodeResult =
  | { ok: true; segment: TransportSegment }
  /** The frame is valid but holds nothing for us yet (e.g. a non-final IP fragment). */
  | { ok: 'pending' }
  | { ok: false; reason: string };

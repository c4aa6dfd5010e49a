/** One captured frame as read from a capture source (pcap, pcapng, live). */
export interface Frame {
  /** 1-based frame number, in read order (same numbering as Wireshark/tshark). */
  no: number;
  /** Capture time: whole seconds since the epoch. */
  sec: number;
  /** Capture time: nanoseconds within `sec` (0..999_999_999), whatever the file's resolution. */
  nsec: number;
  /** LINKTYPE_* value of the interface the frame was captured on. */
  linktype: number;
  /**
   * Captured bytes (may be shorter than origLen when the capture used a snap length).
   * A plain Uint8Array view into the reader's read buffer, which is not reused (unless the
   * consumer asked for BatchOptions.transientBytes): it stays valid as long as it is
   * referenced, and keeps that whole (256 KiB) buffer alive meanwhile.
   */
  data: Uint8Array;
  /** Length of the frame on the wire. */
  origLen: number;
  /**
   * Optional: where the captured bytes lie, buf[start .. start + caplen) (the same bytes as
   * `data`). Readers set these so that decoders can read in place: making a view per frame
   * cost as much as decoding its headers.
   */
  buf?: Uint8Array;
  start?: number;
  caplen?: number;
}

/** Something that is wrong with the capture file itself (not with a packet inside it). */
export interface SourceProblem {
  /** Byte offset in the (decompressed) file where the problem was found. */
  offset: number;
  reason: string;
}

/** How a consumer will use the frames of a batch. */
export interface BatchOptions {
  /**
   * The consumer is done with a batch's frames (the Frame objects, not the bytes they point
   * to) when it asks for the next batch, so the source may hand out the same objects again.
   * A source may ignore this.
   */
  transient?: boolean;
  /**
   * Stronger than `transient`, which it implies: the consumer also keeps no view into a
   * batch's bytes (frame data, or anything decoded from it that points into it) once it asks
   * for the next batch, so the source may read later input into the same memory, as libpcap
   * does with its buffer. Bytes a consumer needs longer must be copied. A source may ignore this.
   */
  transientBytes?: boolean;
}

/**
 * A capture source yields frames in batches so that the hot path does not pay for one
 * promise per frame; consumers pull, which gives backpressure for free.
 * Problems in the file (truncated record, bad block) are reported through `onProblem`
 * and the source stops or resynchronises; it never throws for bad file content.
 * It throws (rejects) only for I/O errors such as a missing file.
 */
export interface CaptureSource {
  batches(opts?: BatchOptions): AsyncIterable<Frame[]>;
}

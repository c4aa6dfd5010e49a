/**
 * RPC program numbers the record-marking resynchroniser accepts as plausible, plus the
 * callback programs learned from the NFS traffic itself.
 */

export const PROG_PORTMAP = 100000;
export const PROG_NFS = 100003;
export const PROG_MOUNT = 100005;
export const PROG_NLM = 100021;
export const PROG_STATUS = 100024;
export const PROG_NFSACL = 100227;
/** NFSv4 callback program used by Linux and most clients (NFS4_CALLBACK). */
export const PROG_NFS4_CALLBACK = 0x40000000;

const WELL_KNOWN = new Set<number>([PROG_PORTMAP, PROG_NFS, PROG_MOUNT, PROG_NLM, PROG_STATUS, PROG_NFSACL, 100011 /* rquota */]);

/**
 * Callback program numbers seen in CREATE_SESSION csa_cb_program, BACKCHANNEL_CTL
 * bca_cb_program or SETCLIENTID cb_program. The NFS layer calls learn(); the record
 * resynchroniser and the NFS dissector call has().
 */
export class CallbackPrograms {
  private readonly programs = new Set<number>([PROG_NFS4_CALLBACK]);
  /** Bound: a hostile capture cannot grow the set without limit. */
  private static readonly MAX = 4096;

  learn(prog: number): void {
    if (this.programs.size < CallbackPrograms.MAX) this.programs.add(prog >>> 0);
  }

  has(prog: number): boolean {
    return this.programs.has(prog);
  }

  list(): number[] {
    return [...this.programs].sort((x, y) => x - y);
  }
}

/** A program number an RPC call could plausibly carry (for resynchronisation only). */
export function plausibleProgram(prog: number, callbacks: CallbackPrograms | undefined): boolean {
  if (WELL_KNOWN.has(prog)) return true;
  // Transient range (RFC 5531 section 8.3) holds NFSv4 callback programs.
  if (prog >= 0x40000000 && prog <= 0x5fffffff) return true;
  return callbacks !== undefined && callbacks.has(prog);
}

/**
 * Deterministic random values of any type of a resolved XDR model, in the canonical decoded
 * form (enum names, safe-integer hypers as numbers, ...), so that decode(encode(v)) equals v.
 * Used by the round-trip tests; usable to craft test records.
 */
import { InvalidUtf8 } from '../runtime.js';
import type { EnumDef, Model, TypeDef, TypeExpr, UnionDef } from './model.js';

/** mulberry32: small, fast, deterministic. Returns floats in [0, 1). */
export function makeRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed from a string (FNV-1a), so each type gets its own reproducible stream. */
export function seedOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export interface RandomOptions {
  /** Beyond this nesting depth optional values are null and variable arrays empty. */
  maxDepth?: number;
  /** Largest length of generated variable arrays. */
  maxArray?: number;
  /** Largest length of generated opaque/string data. */
  maxBytes?: number;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export class RandomValues {
  private readonly maxDepth: number;
  private readonly maxArray: number;
  private readonly maxBytes: number;

  constructor(
    private readonly model: Model,
    private readonly rng: () => number,
    opts: RandomOptions = {},
  ) {
    this.maxDepth = opts.maxDepth ?? 5;
    this.maxArray = opts.maxArray ?? 3;
    this.maxBytes = opts.maxBytes ?? 12;
  }

  private int(n: number): number {
    return Math.floor(this.rng() * n);
  }

  private chance(p: number): boolean {
    return this.rng() < p;
  }

  private u32(): number {
    const r = this.rng();
    if (r < 0.1) return 0;
    if (r < 0.2) return 0xffffffff;
    if (r < 0.6) return this.int(1000);
    return this.int(0x100000000);
  }

  private i32(): number {
    const r = this.rng();
    if (r < 0.1) return -0x80000000;
    if (r < 0.2) return 0x7fffffff;
    if (r < 0.5) return this.int(200) - 100;
    return this.int(0x100000000) - 0x80000000;
  }

  private u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }

  private canonicalHyper(v: bigint): number | bigint {
    return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v;
  }

  private hyper(signed: boolean): number | bigint {
    const r = this.rng();
    let v: bigint;
    if (r < 0.3) v = BigInt(this.int(100000));
    else if (r < 0.4) v = signed ? -MAX_SAFE : MAX_SAFE;
    else if (r < 0.5) v = MAX_SAFE + 1n;
    else v = signed ? BigInt.asIntN(64, this.u64()) : this.u64();
    if (!signed && v < 0n) v = -v;
    return this.canonicalHyper(v);
  }

  private bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }

  private string(max: number | null): string | InvalidUtf8 {
    const limit = Math.min(max ?? Infinity, this.maxBytes);
    if (limit > 0 && this.chance(0.1)) {
      // Invalid UTF-8: a lone 0xff byte can never appear in UTF-8.
      const b = this.bytes(1 + this.int(limit));
      b[this.int(b.length)] = 0xff;
      return new InvalidUtf8(b);
    }
    const pool = ['a', 'z', 'Q', '0', '.', '_', ' ', 'é', 'ß', '日', '本', '😀'];
    let s = '';
    let used = 0;
    const want = this.int(limit + 1);
    while (used < want) {
      const c = pool[this.chance(0.7) ? this.int(7) : this.int(pool.length)];
      const size = Buffer.byteLength(c, 'utf8');
      if (used + size > limit) break;
      s += c;
      used += size;
    }
    return s;
  }

  /** A random value of the named type. */
  ofType(name: string, depth = 0): unknown {
    return this.value({ kind: 'named', name }, depth);
  }

  value(t: TypeExpr, depth = 0): unknown {
    switch (t.kind) {
      case 'int':
        return this.i32();
      case 'uint':
        return this.u32();
      case 'hyper':
        return this.hyper(true);
      case 'uhyper':
        return this.hyper(false);
      case 'bool':
        return this.chance(0.5);
      case 'float':
        return Math.fround(this.int(2000000) / 64 - 10000);
      case 'double':
        return this.int(2 ** 40) / 1024 - 2 ** 29;
      case 'opaque':
        return this.bytes(t.fixed ?? this.int(Math.min(t.max ?? Infinity, this.maxBytes) + 1));
      case 'string':
        return this.string(t.max);
      case 'optional':
        return depth >= this.maxDepth || this.chance(0.4) ? null : this.value(t.elem, depth + 1);
      case 'array': {
        const n = t.fixed ?? (depth >= this.maxDepth ? 0 : this.int(Math.min(t.max ?? Infinity, this.maxArray) + 1));
        const a: unknown[] = [];
        for (let i = 0; i < n; i++) a.push(this.value(t.elem, depth + 1));
        return a;
      }
      case 'named':
        return this.named(this.model.types.get(t.name) as TypeDef, depth);
    }
  }

  private named(def: TypeDef, depth: number): unknown {
    switch (def.kind) {
      case 'typedef':
        return this.value(def.type, depth);
      case 'enum':
        return this.enumValue(def);
      case 'struct': {
        const o: Record<string, unknown> = {};
        for (const f of def.fields) o[f.name] = this.value(f.type, depth + 1);
        return o;
      }
      case 'union':
        return this.unionValue(def, depth);
    }
  }

  /** Canonical name of an enum value (first member with it), or the number if unnamed. */
  private enumName(e: EnumDef, v: number): string | number {
    const m = e.members.find((x) => x.value === v);
    return m ? m.name : v;
  }

  private enumValue(e: EnumDef): string | number {
    if (this.chance(0.9)) return this.enumName(e, e.members[this.int(e.members.length)].value);
    return this.unusedNumber(new Set(e.members.map((m) => m.value)), true);
  }

  private unusedNumber(used: Set<number>, signed: boolean): number {
    for (;;) {
      const v = signed ? this.i32() : this.u32();
      if (!used.has(v)) return v;
    }
  }

  private unionValue(u: UnionDef, depth: number): unknown {
    const choices = u.arms.length + (u.defaultArm !== undefined ? 1 : 0);
    // Deep down, prefer void arms so recursive unions terminate.
    let pick = this.int(choices);
    if (depth >= this.maxDepth) {
      const voidArm = u.arms.findIndex((a) => a.field === null);
      if (voidArm >= 0) pick = voidArm;
      else if (u.defaultArm === null) pick = u.arms.length;
    }
    const o: Record<string, unknown> = {};
    if (pick < u.arms.length) {
      const arm = u.arms[pick];
      const v = arm.values[this.int(arm.values.length)];
      o[u.disc.name] = this.discValue(u, v);
      if (arm.field) o[arm.field.name] = this.value(arm.field.type, depth + 1);
      return o;
    }
    const covered = new Set(u.arms.flatMap((a) => a.values));
    let disc: unknown;
    if (u.discKind === 'bool') {
      const free = [0, 1].filter((b) => !covered.has(b));
      if (free.length === 0) return this.unionValue({ ...u, defaultArm: undefined }, depth);
      disc = free[this.int(free.length)] === 1;
    } else if (u.discKind === 'enum') {
      const e = this.model.types.get(u.discEnum as string) as EnumDef;
      const free = e.members.filter((m) => !covered.has(m.value));
      disc =
        free.length > 0 && this.chance(0.8)
          ? this.enumName(e, free[this.int(free.length)].value)
          : this.unusedNumber(new Set([...covered, ...e.members.map((m) => m.value)]), true);
    } else {
      disc = this.unusedNumber(covered, u.discKind === 'int');
    }
    o[u.disc.name] = disc;
    if (u.defaultArm) o[u.defaultArm.name] = this.value(u.defaultArm.type, depth + 1);
    return o;
  }

  private discValue(u: UnionDef, v: number): unknown {
    if (u.discKind === 'bool') return v === 1;
    if (u.discKind === 'enum') return this.enumName(this.model.types.get(u.discEnum as string) as EnumDef, v);
    return v;
  }
}

/**
 * Display filters: text -> predicate over FieldSource. Semantics follow Wireshark 4.0:
 * a field with several values satisfies `==`, `<`, `contains`, `matches`, `in` when ANY value
 * does; `!=` means "no value equals" (= !(a == b)) and needs the field present; `!==` / `~=`
 * is "some value differs"; `===` is "every value equals". A comparison on an absent field is
 * false. `matches` is case-insensitive. `and` binds tighter than `or`.
 */
import { lookupValueName } from '../fields/enums.js';
import { PROTOCOLS, getField } from '../fields/registry.js';
import type { FieldDef, FieldSource, FieldType, FieldValue } from '../fields/types.js';
import { FilterSyntaxError } from './lexer.js';
import { parseFilter, type FilterAst, type Operand, type Relation, type SetItem } from './parser.js';

export type CompiledFilter = (src: FieldSource) => boolean;

export type FilterResult =
  | { ok: true; filter: CompiledFilter; /** Field names the filter reads. */ fields: string[] }
  | { ok: false; error: string; /** 0-based character offset in the filter text. */ position: number };

type Pred = (v: FieldValue) => boolean;
type Kind = 'num' | 'time' | 'bool' | 'string' | 'bytes' | 'ip' | 'none';

interface IpLit { ip: Uint8Array; prefix: number }
type Lit = number | bigint | string | Uint8Array | IpLit;

function kindOf(t: FieldType): Kind {
  switch (t) {
    case 'uint': case 'uint64': case 'int': case 'enum': case 'framenum': return 'num';
    case 'abs_time': case 'rel_time': return 'time';
    case 'bool': return 'bool';
    case 'string': return 'string';
    case 'bytes': return 'bytes';
    case 'ipv4': case 'ipv6': return 'ip';
    case 'none': return 'none';
  }
}

// ---------------------------------------------------------------- literal parsing

function parseInteger(s: string): number | bigint | undefined {
  const m = /^([-+]?)(0x[0-9a-f]+|0b[01]+|0[0-7]*|[1-9][0-9]*)$/i.exec(s);
  if (!m) return undefined;
  const body = m[2];
  let b: bigint;
  if (/^0x/i.test(body) || /^0b/i.test(body)) b = BigInt(body);
  else if (body.length > 1 && body[0] === '0') b = BigInt('0o' + body.slice(1));
  else b = BigInt(body);
  if (m[1] === '-') b = -b;
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

function parseBytes(s: string): Uint8Array | undefined {
  let hex: string;
  if (/^[0-9a-f]{1,2}([:.-][0-9a-f]{1,2})*$/i.test(s)) {
    hex = s.split(/[:.-]/).map((p) => p.padStart(2, '0')).join('');
  } else if (/^(0x)?([0-9a-f]{2})+$/i.test(s)) {
    hex = s.replace(/^0x/i, '');
  } else {
    return undefined;
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function parseIpv4(s: string): Uint8Array | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const b = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const n = Number(m[i + 1]);
    if (n > 255) return undefined;
    b[i] = n;
  }
  return b;
}

function parseIpv6(s: string): Uint8Array | undefined {
  let text = s;
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  if (!/^[0-9a-f:.]+$/i.test(text) || !text.includes(':')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const words = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i];
      if (i === pieces.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (!v4) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-f]{1,4}$/i.test(p)) return undefined;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = words(halves[0]);
  const tail = halves.length === 2 ? words(halves[1]) : [];
  if (!head || !tail) return undefined;
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 1 && fill !== 0) || (halves.length === 2 && fill < 1)) return undefined;
  const all = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
  const b = new Uint8Array(16);
  all.forEach((w, i) => { b[2 * i] = w >> 8; b[2 * i + 1] = w & 0xff; });
  return b;
}

function parseIp(s: string): IpLit | undefined {
  const slash = s.lastIndexOf('/');
  const addr = slash >= 0 ? s.slice(0, slash) : s;
  const ip = parseIpv4(addr) ?? parseIpv6(addr);
  if (!ip) return undefined;
  let prefix = ip.length * 8;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > prefix) return undefined;
    prefix = Number(p);
  }
  return { ip, prefix };
}

const ipCache = new Map<string, Uint8Array | null>();
function ipBytes(v: string): Uint8Array | undefined {
  let b = ipCache.get(v);
  if (b === undefined) {
    b = parseIpv4(v) ?? parseIpv6(v) ?? null;
    if (ipCache.size > 4096) ipCache.clear();
    ipCache.set(v, b);
  }
  return b ?? undefined;
}

const utf8 = new TextEncoder();

function operandText(o: Operand): string {
  return o.kind === 'string' ? (o.value ?? '') : o.text;
}

function bad(def: FieldDef, o: Operand, expected: string): never {
  throw new FilterSyntaxError(`"${operandText(o)}" is not a valid value for ${def.name} (${expected})`, o.pos);
}

/** Resolves a literal against the type of the field it is compared with. */
function resolveLiteral(def: FieldDef, o: Operand): Lit {
  const text = operandText(o);
  switch (kindOf(def.type)) {
    case 'num': {
      const n = parseInteger(text);
      if (n !== undefined) return n;
      if (def.values) {
        const v = lookupValueName(def.values, text);
        if (v !== undefined) return v;
        const some = [...def.values.values()].slice(0, 4).join(', ');
        return bad(def, o, `a number or a value name such as ${some}`);
      }
      return bad(def, o, 'a number');
    }
    case 'bool': {
      const t = text.toLowerCase();
      if (t === '1' || t === 'true') return 1;
      if (t === '0' || t === 'false') return 0;
      return bad(def, o, 'true, false, 1 or 0');
    }
    case 'time': {
      if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) return Number(text);
      if (def.type === 'abs_time') {
        const zoned = /(z|utc|gmt|[+-]\d\d:?\d\d)$/i.test(text) ? text : `${text} UTC`;
        const ms = Date.parse(zoned.replace(/ UTC$/i, 'Z').replace(/^(\d{4}-\d\d-\d\d) /, '$1T'));
        const ms2 = Number.isNaN(ms) ? Date.parse(zoned) : ms;
        if (!Number.isNaN(ms2)) return ms2 / 1000;
        return bad(def, o, 'seconds since the epoch or a date such as "2026-11-27 13:33:47.5"');
      }
      return bad(def, o, 'a number of seconds');
    }
    case 'string':
      return text;
    case 'bytes': {
      if (o.kind === 'string') return utf8.encode(text);
      const b = parseBytes(text);
      if (b) return b;
      return bad(def, o, 'bytes such as 01:ab:ff, or a quoted string');
    }
    case 'ip': {
      const ip = parseIp(text);
      if (ip && (ip.ip.length === 4) === (def.type === 'ipv4')) return ip;
      return bad(def, o, def.type === 'ipv4' ? 'an IPv4 address, optionally with /prefix' : 'an IPv6 address, optionally with /prefix');
    }
    case 'none':
      throw new FilterSyntaxError(`${def.name} only tells presence; it cannot be compared with a value`, o.pos);
  }
}

// ---------------------------------------------------------------- comparison

function numCmp(a: number | bigint, b: number | bigint): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  const n = typeof a === 'number' ? a : b as number;
  if (!Number.isInteger(n)) {
    const x = Number(a);
    const y = Number(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function bytesCmp(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return a.length - b.length;
}

function bytesEq(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function inPrefix(a: Uint8Array, lit: IpLit): boolean {
  if (a.length !== lit.ip.length) return false;
  const full = lit.prefix >>> 3;
  for (let i = 0; i < full; i++) if (a[i] !== lit.ip[i]) return false;
  const rest = lit.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[full] & mask) === (lit.ip[full] & mask);
}

const TIME_EPSILON = 5e-10;

/**
 * Order of a field value against a literal of the same kind: <0, 0, >0, or undefined when
 * they cannot be compared (a value of another type).
 */
function cmpValue(kind: Kind, v: FieldValue, lit: Lit): number | undefined {
  switch (kind) {
    case 'num':
    case 'bool': {
      const a = typeof v === 'boolean' ? (v ? 1 : 0) : v;
      if ((typeof a !== 'number' && typeof a !== 'bigint') || (typeof lit !== 'number' && typeof lit !== 'bigint')) return undefined;
      return numCmp(a, lit);
    }
    case 'time': {
      if (typeof v !== 'number' || typeof lit !== 'number') return undefined;
      const d = v - lit;
      return Math.abs(d) < TIME_EPSILON ? 0 : d < 0 ? -1 : 1;
    }
    case 'string':
      if (typeof v !== 'string' || typeof lit !== 'string') return undefined;
      return v < lit ? -1 : v > lit ? 1 : 0;
    case 'bytes':
      if (!(v instanceof Uint8Array) || !(lit instanceof Uint8Array)) return undefined;
      return bytesCmp(v, lit);
    case 'ip': {
      if (typeof v !== 'string' || typeof lit !== 'object' || lit instanceof Uint8Array) return undefined;
      const a = ipBytes(v);
      if (!a) return undefined;
      const l = lit as IpLit;
      if (inPrefix(a, l)) return 0;
      return bytesCmp(a, l.ip);
    }
    case 'none':
      return undefined;
  }
}

function relPred(kind: Kind, rel: 'eq' | 'lt' | 'gt' | 'le' | 'ge', lit: Lit): Pred {
  if (kind === 'bytes' && rel === 'eq') {
    const l = lit as Uint8Array;
    return (v) => v instanceof Uint8Array && bytesEq(v, l);
  }
  if (kind === 'num' && rel === 'eq' && typeof lit === 'number') {
    return (v) => v === lit || (typeof v === 'boolean' ? (v ? 1 : 0) === lit : typeof v === 'bigint' && cmpValue(kind, v, lit) === 0);
  }
  switch (rel) {
    case 'eq': return (v) => cmpValue(kind, v, lit) === 0;
    case 'lt': return (v) => { const c = cmpValue(kind, v, lit); return c !== undefined && c < 0; };
    case 'gt': return (v) => { const c = cmpValue(kind, v, lit); return c !== undefined && c > 0; };
    case 'le': return (v) => { const c = cmpValue(kind, v, lit); return c !== undefined && c <= 0; };
    case 'ge': return (v) => { const c = cmpValue(kind, v, lit); return c !== undefined && c >= 0; };
  }
}

function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  if (needle.length === 0) return 0;
  const first = needle[0];
  const last = hay.length - needle.length;
  outer: for (let i = 0; i <= last; i++) {
    if (hay[i] !== first) continue;
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

// ---------------------------------------------------------------- compilation

type Getter = (src: FieldSource) => FieldValue[];

class Compiler {
  readonly fields = new Set<string>();

  private field(o: Operand): FieldDef | undefined {
    if (o.kind !== 'word') return undefined;
    return getField(o.text);
  }

  private getter(def: FieldDef): Getter {
    this.fields.add(def.name);
    return def.extract;
  }

  private unknown(o: Operand): never {
    if (o.kind === 'string') throw new FilterSyntaxError('expected a field name, found a string', o.pos);
    if (PROTOCOLS.has(o.text)) throw new FilterSyntaxError(`"${o.text}" is a protocol: it can only be tested for presence`, o.pos);
    throw new FilterSyntaxError(`"${o.text}" is neither a field nor a protocol name`, o.pos);
  }

  compile(ast: FilterAst): CompiledFilter {
    switch (ast.kind) {
      case 'or':
      case 'and': {
        // `a or b or c ...` parses left-deep: flatten it so neither compiling nor running a
        // filter of thousands of terms recurses per term.
        const terms: FilterAst[] = [];
        let n: FilterAst = ast;
        while (n.kind === ast.kind) {
          terms.push(n.right);
          n = n.left;
        }
        terms.push(n);
        terms.reverse();
        const fns = terms.map((t) => this.compile(t));
        if (ast.kind === 'or') {
          return (s) => {
            for (let i = 0; i < fns.length; i++) if (fns[i](s)) return true;
            return false;
          };
        }
        return (s) => {
          for (let i = 0; i < fns.length; i++) if (!fns[i](s)) return false;
          return true;
        };
      }
      case 'not': {
        const a = this.compile(ast.expr);
        return (s) => !a(s);
      }
      case 'exists': {
        const o = ast.operand;
        const def = this.field(o);
        if (def) {
          const get = this.getter(def);
          return (s) => get(s).length > 0;
        }
        const proto = o.kind === 'word' ? PROTOCOLS.get(o.text) : undefined;
        if (proto) {
          this.fields.add(o.text);
          return proto;
        }
        return this.unknown(o);
      }
      case 'compare':
        return this.compare(ast.rel, ast.left, ast.right);
      case 'contains':
        return this.contains(ast.left, ast.right, ast.pos);
      case 'matches':
        return this.matches(ast.left, ast.right, ast.pos);
      case 'in':
        return this.inSet(ast.left, ast.items, ast.negate);
    }
  }

  private compare(rel: Relation, left: Operand, right: Operand): CompiledFilter {
    const ldef = this.field(left);
    const rdef = this.field(right);
    if (ldef && rdef) return this.fieldPair(rel, ldef, rdef, right);
    if (!ldef && !rdef) return this.unknown(left);
    // A literal on the left: swap the operands and mirror the relation.
    const mirror: Partial<Record<Relation, Relation>> = { lt: 'gt', gt: 'lt', le: 'ge', ge: 'le' };
    const def = (ldef ?? rdef) as FieldDef;
    const literal = ldef ? right : left;
    const relation = ldef ? rel : mirror[rel] ?? rel;
    const kind = kindOf(def.type);
    const lit = resolveLiteral(def, literal);
    const get = this.getter(def);
    return this.combine(relation, get, (r) => relPred(kind, r, lit));
  }

  private combine(rel: Relation, get: Getter, pred: (r: 'eq' | 'lt' | 'gt' | 'le' | 'ge') => Pred): CompiledFilter {
    switch (rel) {
      case 'any_eq': { const p = pred('eq'); return (s) => get(s).some(p); }
      case 'all_ne': { const p = pred('eq'); return (s) => { const v = get(s); return v.length > 0 && !v.some(p); }; }
      case 'all_eq': { const p = pred('eq'); return (s) => { const v = get(s); return v.length > 0 && v.every(p); }; }
      case 'any_ne': { const p = pred('eq'); return (s) => get(s).some((x) => !p(x)); }
      case 'lt': case 'gt': case 'le': case 'ge': { const p = pred(rel); return (s) => get(s).some(p); }
    }
  }

  /** field RELATION field: any pair of values (as Wireshark). */
  private fieldPair(rel: Relation, a: FieldDef, b: FieldDef, at: Operand): CompiledFilter {
    const ka = kindOf(a.type);
    const kb = kindOf(b.type);
    if (ka !== kb || ka === 'none') {
      throw new FilterSyntaxError(`${a.name} (${a.type}) and ${b.name} (${b.type}) cannot be compared`, at.pos);
    }
    const ga = this.getter(a);
    const gb = this.getter(b);
    const toLit = (v: FieldValue): Lit | undefined => {
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (ka === 'ip' && typeof v === 'string') { const ip = ipBytes(v); return ip ? { ip, prefix: ip.length * 8 } : undefined; }
      return v as Lit;
    };
    const test = (r: 'eq' | 'lt' | 'gt' | 'le' | 'ge', x: FieldValue, y: FieldValue): boolean => {
      const lit = toLit(y);
      return lit !== undefined && relPred(ka, r, lit)(x);
    };
    const anyPair = (s: FieldSource, r: 'eq' | 'lt' | 'gt' | 'le' | 'ge', want: boolean): boolean => {
      const ys = gb(s);
      return ga(s).some((x) => ys.some((y) => test(r, x, y) === want));
    };
    switch (rel) {
      case 'any_eq': return (s) => anyPair(s, 'eq', true);
      case 'any_ne': return (s) => anyPair(s, 'eq', false);
      case 'all_ne': return (s) => ga(s).length > 0 && gb(s).length > 0 && !anyPair(s, 'eq', true);
      case 'all_eq': return (s) => {
        const xs = ga(s); const ys = gb(s);
        return xs.length > 0 && ys.length > 0 && xs.every((x) => ys.every((y) => test('eq', x, y)));
      };
      default: { const r = rel; return (s) => anyPair(s, r, true); }
    }
  }

  private contains(left: Operand, right: Operand, pos: number): CompiledFilter {
    const def = this.field(left) ?? this.unknown(left);
    if (this.field(right)) throw new FilterSyntaxError('contains needs a value on its right, not a field', right.pos);
    const get = this.getter(def);
    if (def.type === 'string') {
      const needle = operandText(right);
      return (s) => get(s).some((v) => typeof v === 'string' && v.includes(needle));
    }
    if (def.type === 'bytes') {
      const needle = resolveLiteral(def, right) as Uint8Array;
      return (s) => get(s).some((v) => v instanceof Uint8Array && indexOfBytes(v, needle) >= 0);
    }
    throw new FilterSyntaxError(`contains works on string and bytes fields; ${def.name} is ${def.type}`, pos);
  }

  private matches(left: Operand, right: Operand, pos: number): CompiledFilter {
    const def = this.field(left) ?? this.unknown(left);
    if (right.kind !== 'string') throw new FilterSyntaxError('matches needs a quoted regular expression', right.pos);
    let re: RegExp;
    try {
      re = new RegExp(right.value ?? '', 'i');
    } catch (e) {
      throw new FilterSyntaxError(`invalid regular expression: ${(e as Error).message}`, right.pos);
    }
    const get = this.getter(def);
    if (def.type === 'string') return (s) => get(s).some((v) => typeof v === 'string' && re.test(v));
    if (def.type === 'bytes') return (s) => get(s).some((v) => v instanceof Uint8Array && re.test(latin1(v)));
    throw new FilterSyntaxError(`matches works on string and bytes fields; ${def.name} is ${def.type}`, pos);
  }

  private inSet(left: Operand, items: SetItem[], negate: boolean): CompiledFilter {
    const def = this.field(left) ?? this.unknown(left);
    const kind = kindOf(def.type);
    const preds: Pred[] = items.map((it) => {
      const lo = resolveLiteral(def, it.lo);
      if (!it.hi) return relPred(kind, 'eq', lo);
      if (kind !== 'num' && kind !== 'time') {
        throw new FilterSyntaxError(`ranges need a numeric or time field; ${def.name} is ${def.type}`, it.lo.pos);
      }
      const hi = resolveLiteral(def, it.hi);
      const ge = relPred(kind, 'ge', lo);
      const le = relPred(kind, 'le', hi);
      return (v) => ge(v) && le(v);
    });
    const inAny: Pred = (v) => preds.some((p) => p(v));
    const get = this.getter(def);
    if (negate) return (s) => { const v = get(s); return v.length > 0 && !v.some(inAny); };
    return (s) => get(s).some(inAny);
  }
}

/** Compiles a display filter. Empty (or blank) text matches every message. */
export function compileFilter(text: string): FilterResult {
  if (text.trim() === '') return { ok: true, filter: () => true, fields: [] };
  try {
    const ast = parseFilter(text);
    const c = new Compiler();
    const filter = c.compile(ast);
    return { ok: true, filter, fields: [...c.fields] };
  } catch (e) {
    if (e instanceof FilterSyntaxError) return { ok: false, error: e.message, position: e.position };
    throw e;
  }
}

/**
 * The filter's line with a caret under the failing character, then the message:
 *   nfs.opcod == 1
 *   ^
 *   "nfs.opcod" is neither a field nor a protocol name
 */
export function formatFilterError(text: string, error: string, position: number): string {
  const pos = Math.max(0, Math.min(position, text.length));
  const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
  let lineEnd = text.indexOf('\n', pos);
  if (lineEnd < 0) lineEnd = text.length;
  const line = text.slice(lineStart, lineEnd).replace(/\t/g, ' ');
  return `${line}\n${' '.repeat(pos - lineStart)}^\n${error}`;
}

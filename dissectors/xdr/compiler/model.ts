/**
 * Resolved model of an XDR spec: constants evaluated, names checked, anonymous inline
 * enum/struct/union bodies lifted into named types, sizes known. Code generation and the
 * random value generator both work from this model.
 */
import {
  type Declaration,
  type Loc,
  type SpecFile,
  type TypeSpec,
  type ValueExpr,
  XdrCompileError,
} from './ast.js';

export type PrimKind = 'int' | 'uint' | 'hyper' | 'uhyper' | 'bool' | 'float' | 'double';

export type TypeExpr =
  | { kind: PrimKind }
  | { kind: 'named'; name: string }
  /** fixed !== null: opaque[fixed]; else opaque<max> (max null = unbounded). */
  | { kind: 'opaque'; fixed: number | null; max: number | null }
  | { kind: 'string'; max: number | null }
  /** elemText: the element type as written, for element spans. */
  | { kind: 'array'; elem: TypeExpr; elemText: string; fixed: number | null; max: number | null }
  | { kind: 'optional'; elem: TypeExpr };

export interface Field {
  name: string;
  type: TypeExpr;
  /** The type as written in the spec, for spans (e.g. "uint32_t", "opaque<>", "entry4*"). */
  typeText: string;
  loc: Loc;
}

export interface EnumDef {
  kind: 'enum';
  name: string;
  members: { name: string; value: number }[];
  loc: Loc;
}

export interface StructDef {
  kind: 'struct';
  name: string;
  fields: Field[];
  loc: Loc;
}

export interface UnionArm {
  /** Discriminant values selecting this arm (numbers; bool: 0/1). */
  values: number[];
  /** null = void arm. */
  field: Field | null;
}

export interface UnionDef {
  kind: 'union';
  name: string;
  disc: Field;
  discKind: 'int' | 'uint' | 'bool' | 'enum';
  /** The enum of the discriminant (discKind 'enum'). */
  discEnum: string | null;
  arms: UnionArm[];
  /** undefined: no default arm; null: void default; else the default arm's field. */
  defaultArm: Field | null | undefined;
  loc: Loc;
}

export interface TypedefDef {
  kind: 'typedef';
  name: string;
  type: TypeExpr;
  typeText: string;
  loc: Loc;
}

export type TypeDef = EnumDef | StructDef | UnionDef | TypedefDef;

export interface ProcedureModel {
  name: string;
  number: number;
  args: { type: TypeExpr; typeText: string }[];
  result: { type: TypeExpr; typeText: string } | null;
}

export interface ProgramModel {
  name: string;
  number: number;
  versions: { name: string; number: number; procedures: ProcedureModel[] }[];
}

export interface Model {
  file: string;
  /** Every named constant (const definitions, enum members, program/version/procedure names). */
  constants: Map<string, bigint>;
  /** Where each named constant is defined. */
  constantLocs: Map<string, Loc>;
  /** `const` definitions in spec order. */
  constDefs: { name: string; value: bigint }[];
  types: Map<string, TypeDef>;
  programs: ProgramModel[];
  /** Hooked type names. */
  hooks: string[];
}

/** Names usable as types without a definition (RFC 5531/NFS usage). */
const BUILTIN_ALIASES: Record<string, PrimKind> = {
  int32_t: 'int',
  uint32_t: 'uint',
  int64_t: 'hyper',
  uint64_t: 'uhyper',
};

const U32_MAX = 0xffffffffn;

export interface ResolveOptions {
  /** Extra hooked type names (besides `@hook` directives). Names absent from the spec are ignored. */
  hooks?: string[];
}

export function resolveSpec(spec: SpecFile, opts: ResolveOptions = {}): Model {
  return new Resolver(spec, opts).run();
}

type ConstSource =
  | { kind: 'expr'; expr: ValueExpr; loc: Loc }
  | { kind: 'member'; enumName: string; expr: ValueExpr; loc: Loc };

class Resolver {
  private readonly constSources = new Map<string, ConstSource>();
  private readonly constValues = new Map<string, bigint>();
  private readonly evaluating = new Set<string>();
  private readonly types = new Map<string, TypeDef>();
  /** Type names reserved before their bodies are resolved (definition order, dup checks). */
  private readonly declared = new Map<string, Loc>();
  private readonly pendingChecks: (() => void)[] = [];

  constructor(
    private readonly spec: SpecFile,
    private readonly opts: ResolveOptions,
  ) {}

  run(): Model {
    const file = this.spec.file;
    // Pass 1: collect every constant and type name so forward references work.
    for (const def of this.spec.definitions) {
      switch (def.kind) {
        case 'const':
          this.addConst(def.name, { kind: 'expr', expr: def.value, loc: def.loc });
          break;
        case 'enum':
          this.declareType(def.name, def.loc);
          this.collectEnumMembers(def.name, def.body.members);
          break;
        case 'struct':
        case 'union':
          this.declareType(def.name, def.loc);
          break;
        case 'typedef':
          if (def.decl.kind !== 'void') this.declareType(def.decl.name, def.loc);
          break;
        case 'program':
          this.addConst(def.name, { kind: 'expr', expr: def.number, loc: def.loc });
          for (const v of def.versions) {
            this.addConst(v.name, { kind: 'expr', expr: v.number, loc: v.loc });
            for (const p of v.procedures) this.addConst(p.name, { kind: 'expr', expr: p.number, loc: p.loc });
          }
          break;
      }
    }
    // Inline enum bodies also contribute constants; collect them before evaluating anything.
    this.collectInlineEnumMembers();

    const constDefs: { name: string; value: bigint }[] = [];
    const programs: ProgramModel[] = [];
    for (const def of this.spec.definitions) {
      switch (def.kind) {
        case 'const':
          constDefs.push({ name: def.name, value: this.constValue(def.name, def.loc) });
          break;
        case 'enum':
          this.addType(this.enumDef(def.name, def.body.members, def.loc));
          break;
        case 'struct':
          this.addType(this.structDef(def.name, def.body.fields, def.loc));
          break;
        case 'union':
          this.addType(this.unionDef(def.name, def.body, def.loc));
          break;
        case 'typedef': {
          const decl = def.decl;
          if (decl.kind === 'void') break;
          // typedef struct {...} x; names the body itself.
          if (decl.kind === 'plain' && decl.type.kind !== 'primitive' && decl.type.kind !== 'ref') {
            this.addType(this.inlineDef(decl.name, decl.type));
            break;
          }
          const f = this.field(decl, decl.name);
          this.addType({ kind: 'typedef', name: decl.name, type: f.type, typeText: f.typeText, loc: def.loc });
          break;
        }
        case 'program':
          programs.push({
            name: def.name,
            number: this.u32Value(def.number, 'program number'),
            versions: def.versions.map((v) => ({
              name: v.name,
              number: this.u32Value(v.number, 'version number'),
              procedures: v.procedures.map((p) => ({
                name: p.name,
                number: this.u32Value(p.number, 'procedure number'),
                args: p.args.map((a, i) => this.procType(a, `${p.name}_arg${i + 1}`)),
                result: p.result ? this.procType(p.result, `${p.name}_res`) : null,
              })),
            })),
          });
          break;
      }
    }
    for (const check of this.pendingChecks) check();
    this.checkInfiniteTypes();

    const hooks: string[] = [];
    for (const h of this.spec.hooks) {
      if (!this.types.has(h.name)) throw new XdrCompileError(h.loc, `@hook names unknown type ${h.name}`);
      if (!hooks.includes(h.name)) hooks.push(h.name);
    }
    for (const name of this.opts.hooks ?? []) {
      if (this.types.has(name) && !hooks.includes(name)) hooks.push(name);
    }
    for (const h of hooks) {
      const def = this.types.get(h) as TypeDef;
      if (def.kind === 'enum') throw new XdrCompileError(def.loc, `enum ${h} cannot be hooked`);
    }

    const constants = new Map<string, bigint>();
    const constantLocs = new Map<string, Loc>();
    for (const [name, src] of this.constSources) {
      constants.set(name, this.constValue(name, src.loc));
      constantLocs.set(name, src.loc);
    }
    return { file, constants, constantLocs, constDefs, types: this.orderedTypes(), programs, hooks };
  }

  // ---------------------------------------------------------------- constants

  private addConst(name: string, src: ConstSource): void {
    const prev = this.constSources.get(name);
    if (prev) throw new XdrCompileError(src.loc, `constant ${name} already defined at line ${prev.loc.line}`);
    this.constSources.set(name, src);
  }

  private collectEnumMembers(enumName: string, members: { name: string; value: ValueExpr; loc: Loc }[]): void {
    for (const m of members) this.addConst(m.name, { kind: 'member', enumName, expr: m.value, loc: m.loc });
  }

  private collectInlineEnumMembers(): void {
    const visitSpec = (t: TypeSpec): void => {
      if (t.kind === 'enum') this.collectEnumMembers('(inline)', t.body.members);
      else if (t.kind === 'struct') t.body.fields.forEach(visitDecl);
      else if (t.kind === 'union') {
        visitDecl(t.body.discriminant);
        t.body.cases.forEach((c) => visitDecl(c.decl));
        if (t.body.defaultDecl) visitDecl(t.body.defaultDecl);
      }
    };
    const visitDecl = (d: Declaration): void => {
      if ('type' in d) visitSpec(d.type);
    };
    for (const def of this.spec.definitions) {
      if (def.kind === 'typedef') visitDecl(def.decl);
      else if (def.kind === 'struct') def.body.fields.forEach(visitDecl);
      else if (def.kind === 'union') {
        visitDecl(def.body.discriminant);
        def.body.cases.forEach((c) => visitDecl(c.decl));
        if (def.body.defaultDecl) visitDecl(def.body.defaultDecl);
      }
    }
  }

  private constValue(name: string, useLoc: Loc): bigint {
    const known = this.constValues.get(name);
    if (known !== undefined) return known;
    const src = this.constSources.get(name);
    if (!src) {
      if (name === 'TRUE') return 1n;
      if (name === 'FALSE') return 0n;
      throw new XdrCompileError(useLoc, `unknown constant ${name}`);
    }
    if (this.evaluating.has(name)) throw new XdrCompileError(src.loc, `constant ${name} is defined in terms of itself`);
    this.evaluating.add(name);
    const v = this.evalExpr(src.expr);
    this.evaluating.delete(name);
    this.constValues.set(name, v);
    return v;
  }

  private evalExpr(e: ValueExpr): bigint {
    switch (e.kind) {
      case 'number':
        return e.value;
      case 'ident': {
        const v = this.constValue(e.name, e.loc);
        return e.negate ? -v : v;
      }
      case 'succ':
        return this.constValue(e.prev, e.loc) + 1n;
    }
  }

  /** A size or bound: 0 .. 2^32-1. */
  private sizeValue(e: ValueExpr, what: string): number {
    const v = this.evalExpr(e);
    if (v < 0n || v > U32_MAX) throw new XdrCompileError(e.loc, `${what} ${v} is outside 0..4294967295`);
    return Number(v);
  }

  private u32Value(e: ValueExpr, what: string): number {
    return this.sizeValue(e, what);
  }

  private i32Value(e: ValueExpr, what: string): number {
    const v = this.evalExpr(e);
    if (v < -0x80000000n || v > 0x7fffffffn) throw new XdrCompileError(e.loc, `${what} ${v} does not fit a signed 32-bit int`);
    return Number(v);
  }

  // ---------------------------------------------------------------- types

  private declareType(name: string, loc: Loc): void {
    const prev = this.declared.get(name);
    if (prev) throw new XdrCompileError(loc, `type ${name} already defined at line ${prev.line}`);
    this.declared.set(name, loc);
  }

  private addType(def: TypeDef): void {
    this.types.set(def.name, def);
  }

  /** Types in spec order (synthetic types sit where they were found). */
  private orderedTypes(): Map<string, TypeDef> {
    const out = new Map<string, TypeDef>();
    for (const name of this.declared.keys()) {
      const def = this.types.get(name);
      if (def) out.set(name, def);
    }
    return out;
  }

  /** A fresh name for an anonymous inline body. */
  private syntheticName(base: string, loc: Loc): string {
    let name = base;
    for (let i = 2; this.declared.has(name) || this.constSources.has(name); i++) name = `${base}_${i}`;
    this.declared.set(name, loc);
    return name;
  }

  private inlineDef(name: string, t: TypeSpec): TypeDef {
    switch (t.kind) {
      case 'enum':
        return this.enumDef(name, t.body.members, t.loc);
      case 'struct':
        return this.structDef(name, t.body.fields, t.loc);
      case 'union':
        return this.unionDef(name, t.body, t.loc);
      default:
        throw new XdrCompileError(t.loc, 'internal: not an inline body');
    }
  }

  private enumDef(name: string, members: { name: string; value: ValueExpr; loc: Loc }[], loc: Loc): EnumDef {
    return {
      kind: 'enum',
      name,
      members: members.map((m) => ({ name: m.name, value: this.i32Value(m.value, `enum value of ${m.name}`) })),
      loc,
    };
  }

  private structDef(name: string, decls: Declaration[], loc: Loc): StructDef {
    const fields: Field[] = [];
    const seen = new Set<string>();
    for (const d of decls) {
      if (d.kind === 'void') continue; // RFC 4506 allows it; it encodes nothing.
      if (seen.has(d.name)) throw new XdrCompileError(d.loc, `duplicate field ${d.name} in struct ${name}`);
      seen.add(d.name);
      fields.push(this.field(d, `${name}_${d.name}`));
    }
    if (fields.length === 0) throw new XdrCompileError(loc, `struct ${name} has no non-void members`);
    return { kind: 'struct', name, fields, loc };
  }

  private unionDef(name: string, body: import('./ast.js').UnionBody, loc: Loc): UnionDef {
    const discDecl = body.discriminant;
    if (discDecl.kind !== 'plain') throw new XdrCompileError(discDecl.loc, 'union discriminant must be a plain declaration');
    const disc = this.field(discDecl, `${name}_${discDecl.name}`);
    const def: UnionDef = {
      kind: 'union',
      name,
      disc,
      discKind: 'int',
      discEnum: null,
      arms: [],
      defaultArm: undefined,
      loc,
    };
    const armNames = new Set<string>([disc.name]);
    const armField = (d: Declaration): Field | null => {
      if (d.kind === 'void') return null;
      const f = this.field(d, `${name}_${d.name}`);
      // Several arms may share one field name (same type); only the discriminant clashes.
      if (d.name === disc.name) throw new XdrCompileError(d.loc, `arm ${d.name} has the discriminant's name`);
      armNames.add(d.name);
      return f;
    };
    const labelSets = body.cases.map((c) => ({ c, field: armField(c.decl) }));
    if (body.defaultDecl) def.defaultArm = armField(body.defaultDecl);

    // The discriminant's kind needs every type known: resolve after all definitions.
    this.pendingChecks.push(() => {
      const kind = this.discriminantKind(disc);
      def.discKind = kind.kind;
      def.discEnum = kind.enumName;
      const seen = new Map<number, Loc>();
      for (const { c, field } of labelSets) {
        const values: number[] = [];
        for (const label of c.labels) {
          const v = this.caseValue(label, kind.kind, kind.enumName);
          const prev = seen.get(v);
          if (prev) throw new XdrCompileError(label.loc, `case value ${v} repeats the case at line ${prev.line}`);
          seen.set(v, label.loc);
          values.push(v);
        }
        def.arms.push({ values, field });
      }
    });
    return def;
  }

  private discriminantKind(disc: Field): { kind: UnionDef['discKind']; enumName: string | null } {
    let t = disc.type;
    for (let guard = 0; guard < 100; guard++) {
      if (t.kind === 'int' || t.kind === 'uint' || t.kind === 'bool') return { kind: t.kind, enumName: null };
      if (t.kind === 'named') {
        const def = this.types.get(t.name);
        if (def?.kind === 'enum') return { kind: 'enum', enumName: def.name };
        if (def?.kind === 'typedef') {
          t = def.type;
          continue;
        }
      }
      break;
    }
    throw new XdrCompileError(disc.loc, `union discriminant ${disc.name} must be int, unsigned int, bool or an enum (got ${disc.typeText})`);
  }

  private caseValue(label: ValueExpr, kind: UnionDef['discKind'], enumName: string | null): number {
    if (kind === 'uint') return this.u32Value(label, 'case value');
    if (kind === 'bool') {
      const v = this.evalExpr(label);
      if (v !== 0n && v !== 1n) throw new XdrCompileError(label.loc, `bool case value must be TRUE or FALSE (got ${v})`);
      return Number(v);
    }
    if (kind === 'enum' && label.kind === 'ident') {
      // A name from a different enum is allowed (RFC specs do it) but must still be a constant.
      const src = this.constSources.get(label.name);
      if (!src && label.name !== 'TRUE' && label.name !== 'FALSE') {
        throw new XdrCompileError(label.loc, `case label ${label.name} is not a member of enum ${enumName} nor a constant`);
      }
    }
    return this.i32Value(label, 'case value');
  }

  /** Resolves one declaration to a field; inline bodies become types named `syntheticBase`. */
  private field(d: Exclude<Declaration, { kind: 'void' }>, syntheticBase: string): Field {
    const loc = d.loc;
    switch (d.kind) {
      case 'fixedOpaque': {
        const n = this.sizeValue(d.size, 'opaque length');
        return { name: d.name, type: { kind: 'opaque', fixed: n, max: null }, typeText: `opaque[${n}]`, loc };
      }
      case 'varOpaque': {
        const max = d.max ? this.sizeValue(d.max, 'opaque maximum') : null;
        return { name: d.name, type: { kind: 'opaque', fixed: null, max }, typeText: `opaque<${max ?? ''}>`, loc };
      }
      case 'string': {
        const max = d.max ? this.sizeValue(d.max, 'string maximum') : null;
        return { name: d.name, type: { kind: 'string', max }, typeText: `string<${max ?? ''}>`, loc };
      }
      case 'plain': {
        const { type, text } = this.typeSpec(d.type, syntheticBase);
        return { name: d.name, type, typeText: text, loc };
      }
      case 'optional': {
        const { type, text } = this.typeSpec(d.type, syntheticBase);
        return { name: d.name, type: { kind: 'optional', elem: type }, typeText: `${text}*`, loc };
      }
      case 'fixedArray': {
        const { type, text } = this.typeSpec(d.type, syntheticBase);
        const n = this.sizeValue(d.size, 'array length');
        return { name: d.name, type: { kind: 'array', elem: type, elemText: text, fixed: n, max: null }, typeText: `${text}[${n}]`, loc };
      }
      case 'varArray': {
        const { type, text } = this.typeSpec(d.type, syntheticBase);
        const max = d.max ? this.sizeValue(d.max, 'array maximum') : null;
        return { name: d.name, type: { kind: 'array', elem: type, elemText: text, fixed: null, max }, typeText: `${text}<${max ?? ''}>`, loc };
      }
    }
  }

  private typeSpec(t: TypeSpec, syntheticBase: string): { type: TypeExpr; text: string } {
    switch (t.kind) {
      case 'primitive':
        if (t.prim === 'quadruple') {
          throw new XdrCompileError(t.loc, 'quadruple (128-bit float) is not supported: JavaScript has no such number type');
        }
        return { type: { kind: t.prim }, text: PRIM_TEXT[t.prim] };
      case 'ref': {
        if (this.declared.has(t.name)) {
          const name = t.name;
          this.pendingChecks.push(() => {
            if (!this.types.has(name)) throw new XdrCompileError(t.loc, `internal: type ${name} was declared but not defined`);
          });
          return { type: { kind: 'named', name }, text: name };
        }
        const alias = BUILTIN_ALIASES[t.name];
        if (alias) return { type: { kind: alias }, text: t.name };
        if (t.name === 'TRUE' || t.name === 'FALSE' || this.constSources.has(t.name)) {
          throw new XdrCompileError(t.loc, `${t.name} is a constant, not a type`);
        }
        throw new XdrCompileError(t.loc, `unknown type ${t.name}`);
      }
      case 'enum':
      case 'struct':
      case 'union': {
        const name = this.syntheticName(syntheticBase, t.loc);
        this.addType(this.inlineDef(name, t));
        return { type: { kind: 'named', name }, text: name };
      }
    }
  }

  private procType(t: TypeSpec, syntheticBase: string): { type: TypeExpr; typeText: string } {
    const { type, text } = this.typeSpec(t, syntheticBase);
    return { type, typeText: text };
  }

  /** A struct/union/typedef that contains itself without optional/variable indirection has no finite encoding. */
  private checkInfiniteTypes(): void {
    const state = new Map<string, 'visiting' | 'done'>();
    const visitExpr = (t: TypeExpr, from: TypeDef): void => {
      if (t.kind === 'named') visit(t.name, from);
      else if (t.kind === 'array' && t.fixed !== null) visitExpr(t.elem, from);
    };
    const visit = (name: string, from: TypeDef | null): void => {
      const st = state.get(name);
      if (st === 'done') return;
      const def = this.types.get(name);
      if (!def) return;
      if (st === 'visiting') {
        throw new XdrCompileError((from ?? def).loc, `type ${name} contains itself without an optional (*) or variable-length indirection`);
      }
      state.set(name, 'visiting');
      if (def.kind === 'struct') def.fields.forEach((f) => visitExpr(f.type, def));
      else if (def.kind === 'typedef') visitExpr(def.type, def);
      else if (def.kind === 'union') {
        visitExpr(def.disc.type, def);
        // A union with a void or non-recursive arm is finite; only flag when every arm recurses.
      }
      state.set(name, 'done');
    };
    for (const name of this.types.keys()) visit(name, null);
  }
}

const PRIM_TEXT: Record<Exclude<import('./ast.js').PrimitiveKind, 'quadruple'>, string> = {
  int: 'int',
  uint: 'unsigned int',
  hyper: 'hyper',
  uhyper: 'unsigned hyper',
  bool: 'bool',
  float: 'float',
  double: 'double',
};

// ------------------------------------------------------------------ model queries

/** Follows typedefs to the underlying type expression. */
export function resolveAlias(model: Model, t: TypeExpr): TypeExpr {
  let cur = t;
  for (let guard = 0; guard < 1000 && cur.kind === 'named'; guard++) {
    const def = model.types.get(cur.name);
    if (!def || def.kind !== 'typedef') return cur;
    cur = def.type;
  }
  return cur;
}

/** Minimum encoded size in bytes of a value of the type (used to bound array counts). */
export function minEncodedSize(model: Model, t: TypeExpr, memo = new Map<string, number>()): number {
  switch (t.kind) {
    case 'int':
    case 'uint':
    case 'bool':
    case 'float':
      return 4;
    case 'hyper':
    case 'uhyper':
    case 'double':
      return 8;
    case 'opaque':
      return t.fixed !== null ? (t.fixed + 3) & ~3 : 4;
    case 'string':
    case 'optional':
      return 4;
    case 'array':
      return t.fixed !== null ? t.fixed * minEncodedSize(model, t.elem, memo) : 4;
    case 'named': {
      const known = memo.get(t.name);
      if (known !== undefined) return known;
      memo.set(t.name, 0); // cycle guard; real cycles go through optional/variable types
      const def = model.types.get(t.name);
      let size = 0;
      if (!def) size = 0;
      else if (def.kind === 'enum') size = 4;
      else if (def.kind === 'typedef') size = minEncodedSize(model, def.type, memo);
      else if (def.kind === 'struct') size = def.fields.reduce((s, f) => s + minEncodedSize(model, f.type, memo), 0);
      else {
        const arms = def.arms.map((a) => (a.field ? minEncodedSize(model, a.field.type, memo) : 0));
        if (def.defaultArm !== undefined) arms.push(def.defaultArm ? minEncodedSize(model, def.defaultArm.type, memo) : 0);
        size = 4 + (arms.length ? Math.min(...arms) : 0);
      }
      memo.set(t.name, size);
      return size;
    }
  }
}

/** Named types reachable from `t` (through every kind of reference). */
function referencedNames(model: Model, def: TypeDef): string[] {
  const out: string[] = [];
  const walk = (t: TypeExpr): void => {
    if (t.kind === 'named') out.push(t.name);
    else if (t.kind === 'array' || t.kind === 'optional') walk(t.elem);
  };
  if (def.kind === 'struct') def.fields.forEach((f) => walk(f.type));
  else if (def.kind === 'typedef') walk(def.type);
  else if (def.kind === 'union') {
    walk(def.disc.type);
    def.arms.forEach((a) => a.field && walk(a.field.type));
    if (def.defaultArm) walk(def.defaultArm.type);
  }
  void model;
  return out;
}

/** Names of types that can (directly or indirectly) contain themselves. */
export function recursiveTypes(model: Model): Set<string> {
  const edges = new Map<string, string[]>();
  for (const [name, def] of model.types) edges.set(name, referencedNames(model, def));
  const result = new Set<string>();
  for (const start of model.types.keys()) {
    const seen = new Set<string>();
    const stack = [...(edges.get(start) ?? [])];
    while (stack.length) {
      const n = stack.pop() as string;
      if (n === start) {
        result.add(start);
        break;
      }
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...(edges.get(n) ?? []));
    }
  }
  return result;
}

/**
 * The linked-list pattern `struct S { ...; S *next; }` (self-reference as the LAST field):
 * returns the field name, so the codec can walk the chain with a loop instead of recursion.
 */
export function linkedListField(model: Model, def: StructDef): string | null {
  const last = def.fields[def.fields.length - 1];
  if (!last) return null;
  const t = resolveAlias(model, last.type);
  if (t.kind !== 'optional') return null;
  const elem = t.elem;
  if (elem.kind !== 'named') return null;
  // The element may itself be a typedef of S.
  const target = resolveAlias(model, elem);
  const name = target.kind === 'named' ? target.name : elem.name;
  if (name !== def.name) return null;
  if (model.hooks.includes(def.name)) return null;
  return last.name;
}

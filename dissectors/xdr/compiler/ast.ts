/** Syntax tree of an XDR (RFC 4506 + RFC 5531 program) specification, as parsed. */

export interface Loc {
  file: string;
  line: number;
  col: number;
}

/** A constant expression: a number literal or a reference to a named constant. */
export type ValueExpr =
  | { kind: 'number'; value: bigint; loc: Loc }
  | { kind: 'ident'; name: string; negate: boolean; loc: Loc }
  /** An enum member written without "= value": the previous member's value + 1. */
  | { kind: 'succ'; prev: string; loc: Loc };

export type PrimitiveKind = 'int' | 'uint' | 'hyper' | 'uhyper' | 'bool' | 'float' | 'double' | 'quadruple';

export type TypeSpec =
  | { kind: 'primitive'; prim: PrimitiveKind; loc: Loc }
  | { kind: 'ref'; name: string; loc: Loc }
  | { kind: 'enum'; body: EnumBody; loc: Loc }
  | { kind: 'struct'; body: StructBody; loc: Loc }
  | { kind: 'union'; body: UnionBody; loc: Loc };

export type Declaration =
  | { kind: 'void'; loc: Loc }
  /** T x, T x[N], T x<N>, T *x */
  | { kind: 'plain'; name: string; type: TypeSpec; loc: Loc }
  | { kind: 'fixedArray'; name: string; type: TypeSpec; size: ValueExpr; loc: Loc }
  | { kind: 'varArray'; name: string; type: TypeSpec; max: ValueExpr | null; loc: Loc }
  | { kind: 'optional'; name: string; type: TypeSpec; loc: Loc }
  | { kind: 'fixedOpaque'; name: string; size: ValueExpr; loc: Loc }
  | { kind: 'varOpaque'; name: string; max: ValueExpr | null; loc: Loc }
  | { kind: 'string'; name: string; max: ValueExpr | null; loc: Loc };

export interface EnumBody {
  members: { name: string; value: ValueExpr; loc: Loc }[];
}

export interface StructBody {
  fields: Declaration[];
}

export interface UnionCase {
  labels: ValueExpr[];
  decl: Declaration;
  loc: Loc;
}

export interface UnionBody {
  discriminant: Declaration;
  cases: UnionCase[];
  defaultDecl: Declaration | null;
  defaultLoc: Loc | null;
}

export interface ProcedureDef {
  name: string;
  number: ValueExpr;
  /** null = void */
  result: TypeSpec | null;
  args: TypeSpec[];
  loc: Loc;
}

export interface VersionDef {
  name: string;
  number: ValueExpr;
  procedures: ProcedureDef[];
  loc: Loc;
}

export type Definition =
  | { kind: 'const'; name: string; value: ValueExpr; loc: Loc }
  | { kind: 'typedef'; decl: Declaration; loc: Loc }
  | { kind: 'enum'; name: string; body: EnumBody; loc: Loc }
  | { kind: 'struct'; name: string; body: StructBody; loc: Loc }
  | { kind: 'union'; name: string; body: UnionBody; loc: Loc }
  | { kind: 'program'; name: string; number: ValueExpr; versions: VersionDef[]; loc: Loc };

export interface SpecFile {
  file: string;
  definitions: Definition[];
  /** Type names marked `@hook <name>` in comments. */
  hooks: { name: string; loc: Loc }[];
}

/** A compile error with its position. */
export class XdrCompileError extends Error {
  constructor(
    readonly loc: Loc,
    readonly detail: string,
  ) {
    super(`${loc.file}:${loc.line}:${loc.col}: ${detail}`);
    this.name = 'XdrCompileError';
  }
}

/** XDR compiler entry points: source text -> model -> TypeScript module text. */
import { XdrCompileError } from './ast.js';
import { generateTs } from './codegen.js';
import { type Model, resolveSpec } from './model.js';
import { parseSpec } from './parser.js';

export { XdrCompileError } from './ast.js';
export type { Loc, SpecFile } from './ast.js';
export { parseSpec } from './parser.js';
export { resolveSpec, minEncodedSize, resolveAlias } from './model.js';
export type { Model, TypeDef, TypeExpr, Field, EnumDef, StructDef, UnionDef, TypedefDef, ProgramModel } from './model.js';

export interface CompileOptions {
  /** Extra hooked type names (in addition to `// @hook T` comments); absent names are ignored. */
  hooks?: string[];
  /** Import specifier of runtime.ts from the generated file (default '../runtime.js'). */
  runtimeImport?: string;
}

export type CompileResult =
  | { ok: true; code: string; model: Model }
  | { ok: false; error: string; line: number; col: number };

/** Parses and resolves a spec; throws XdrCompileError with file:line:col on bad input. */
export function loadModel(source: string, file: string, opts: CompileOptions = {}): Model {
  return resolveSpec(parseSpec(source, file), { hooks: opts.hooks });
}

/** Compiles XDR source text to a TypeScript module; errors are values with positions. */
export function compileXdr(source: string, file: string, opts: CompileOptions = {}): CompileResult {
  try {
    const model = loadModel(source, file, opts);
    const code = generateTs(model, { runtimeImport: opts.runtimeImport ?? '../runtime.js', sourceName: file });
    return { ok: true, code, model };
  } catch (e) {
    if (e instanceof XdrCompileError) return { ok: false, error: e.message, line: e.loc.line, col: e.loc.col };
    throw e;
  }
}

/** Parser and resolver: every construct of test-fixtures/all.x, and errors with file:line:col. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileXdr, loadModel, parseSpec, XdrCompileError } from './index.js';
import type { EnumDef, StructDef, TypedefDef, UnionDef } from './model.js';

const FIXTURE = join(import.meta.dirname, '..', 'test-fixtures', 'all.x');
const source = readFileSync(FIXTURE, 'utf8');
const model = loadModel(source, 'all.x');

function def<K extends 'enum' | 'struct' | 'union' | 'typedef'>(name: string, kind: K) {
  const d = model.types.get(name);
  expect(d?.kind, name).toBe(kind);
  return d as Extract<EnumDef | StructDef | UnionDef | TypedefDef, { kind: K }>;
}

describe('XDR parser and resolver on the all-constructs fixture', () => {
  it('evaluates constants: decimal, hex, octal, negative, references, 64-bit', () => {
    const c = model.constants;
    expect(c.get('SMALL')).toBe(4n);
    expect(c.get('HEXVAL')).toBe(16n);
    expect(c.get('OCTVAL')).toBe(8n);
    expect(c.get('NEGVAL')).toBe(-7n);
    expect(c.get('ALIAS_OF_SMALL')).toBe(4n);
    expect(c.get('BIG_CONST')).toBe(0xffffffffn);
    expect(c.get('HUGE_CONST')).toBe(0x7fffffffffffffffn);
    // program, version and procedure names are constants too
    expect(c.get('FIXTURE_PROG')).toBe(0x20000099n);
    expect(c.get('FIXTUREPROC_TWO')).toBe(2n);
    expect(model.constDefs.map((d) => d.name)).toEqual(['SMALL', 'HEXVAL', 'OCTVAL', 'NEGVAL', 'ALIAS_OF_SMALL', 'BIG_CONST', 'HUGE_CONST']);
  });

  it('resolves every typedef form', () => {
    expect(def('fix_opaque_t', 'typedef').type).toEqual({ kind: 'opaque', fixed: 4, max: null });
    expect(def('var_opaque_t', 'typedef').type).toEqual({ kind: 'opaque', fixed: null, max: 16 });
    expect(def('unbounded_opaque_t', 'typedef').type).toEqual({ kind: 'opaque', fixed: null, max: null });
    expect(def('name_t', 'typedef').type).toEqual({ kind: 'string', max: 4 });
    expect(def('anystr_t', 'typedef').type).toEqual({ kind: 'string', max: null });
    expect(def('ints_fixed_t', 'typedef').type).toMatchObject({ kind: 'array', elem: { kind: 'int' }, fixed: 3 });
    expect(def('uints_var_t', 'typedef').type).toMatchObject({ kind: 'array', elem: { kind: 'uint' }, fixed: null, max: null });
    expect(def('words_t', 'typedef').type).toMatchObject({ kind: 'array', elem: { kind: 'uint' }, elemText: 'uint32_t' });
    expect(def('hyper_t', 'typedef').type).toEqual({ kind: 'hyper' });
    expect(def('uhyper_t', 'typedef').type).toEqual({ kind: 'uhyper' });
    expect(def('i64_alias_t', 'typedef').type).toEqual({ kind: 'hyper' });
    expect(def('u64_alias_t', 'typedef').type).toEqual({ kind: 'uhyper' });
    expect(def('i32_alias_t', 'typedef').type).toEqual({ kind: 'int' });
    expect(def('u32_bare_t', 'typedef').type).toEqual({ kind: 'uint' });
    expect(def('flag_t', 'typedef').type).toEqual({ kind: 'bool' });
    expect(def('real32_t', 'typedef').type).toEqual({ kind: 'float' });
    expect(def('real64_t', 'typedef').type).toEqual({ kind: 'double' });
    expect(def('names_t', 'typedef').type).toMatchObject({ kind: 'array', elem: { kind: 'named', name: 'name_t' }, max: 2 });
    expect(def('maybe_str_t', 'typedef').type).toEqual({ kind: 'optional', elem: { kind: 'named', name: 'anystr_t' } });
    expect(def('matrix_t', 'typedef').type).toMatchObject({ kind: 'array', elem: { kind: 'named', name: 'ints_fixed_t' }, fixed: 2 });
  });

  it('resolves enums with constant, hex, negative and aliased values', () => {
    expect(def('color', 'enum').members).toEqual([
      { name: 'RED', value: 0 },
      { name: 'GREEN', value: 1 },
      { name: 'BLUE', value: 16 },
      { name: 'MAGENTA', value: 32 },
      { name: 'NEG_COLOR', value: -1 },
      { name: 'CRIMSON', value: 0 },
    ]);
    expect(model.constants.get('MAGENTA')).toBe(32n);
  });

  it('resolves struct fields of every declaration kind, with span type texts', () => {
    const s = def('containers', 'struct');
    expect(s.fields.map((f) => [f.name, f.typeText])).toEqual([
      ['fixed_bytes', 'opaque[5]'],
      ['var_bytes', 'opaque<7>'],
      ['any_bytes', 'opaque<>'],
      ['label', 'string<20>'],
      ['text', 'string<>'],
      ['corners', 'point[2]'],
      ['path', 'point<4>'],
      ['any_path', 'point<>'],
      ['maybe_point', 'point*'],
      ['big_numbers', 'hyper<>'],
      ['palette', 'color<3>'],
      ['names', 'names_t'],
      ['maybe', 'maybe_str_t'],
      ['matrix', 'matrix_t'],
      ['bitmap', 'words_t'],
    ]);
    expect(def('all_prims', 'struct').fields.map((f) => f.type.kind)).toEqual([
      'int', 'uint', 'uint', 'hyper', 'uhyper', 'int', 'uint', 'hyper', 'uhyper', 'bool', 'float', 'double', 'named',
    ]);
  });

  it('resolves unions: enum/int/unsigned/bool discriminants, shared, void and default arms', () => {
    const r = def('op_result', 'union');
    expect(r.discKind).toBe('enum');
    expect(r.discEnum).toBe('op_kind');
    expect(r.arms.map((a) => [a.values, a.field?.name ?? null])).toEqual([
      [[1], 'where'],
      [[2, 3], 'message'],
      [[4], null],
    ]);
    expect(r.defaultArm?.name).toBe('code');

    const i = def('int_union', 'union');
    expect(i.discKind).toBe('int');
    expect(i.arms.map((a) => a.values[0])).toEqual([0, 4, -3, 32]);
    expect(i.defaultArm).toBeUndefined();

    const u = def('uint_union', 'union');
    expect(u.discKind).toBe('uint');
    expect(u.arms[0].values).toEqual([0xffffffff]);
    expect(u.defaultArm).toBeNull();

    const b = def('maybe_point', 'union');
    expect(b.discKind).toBe('bool');
    expect(b.arms.map((a) => a.values)).toEqual([[1], [0]]);

    const c = def('color_union', 'union');
    expect(c.discKind).toBe('enum');
    expect(c.discEnum).toBe('color');
  });

  it('lifts nested anonymous struct/union/enum bodies into synthetic named types', () => {
    const s = def('space_limit', 'struct');
    expect(s.fields.map((f) => f.type)).toEqual([
      { kind: 'named', name: 'space_limit_limitby' },
      { kind: 'named', name: 'space_limit_mod_blocks' },
      { kind: 'named', name: 'space_limit_choice' },
    ]);
    expect(def('space_limit_limitby', 'enum').members.map((m) => m.name)).toEqual(['LIMIT_SIZE', 'LIMIT_BLOCKS']);
    expect(def('space_limit_mod_blocks', 'struct').fields.map((f) => f.name)).toEqual(['num_blocks', 'bytes_per_block']);
    expect(def('space_limit_choice', 'union').arms[0].field?.type).toEqual({ kind: 'named', name: 'space_limit_choice_nested' });
    expect(def('space_limit_choice_nested_inner', 'union').discKind).toBe('bool');
    expect(def('anon_in_union_detail', 'struct').fields.map((f) => f.name)).toEqual(['size', 'why']);
    expect(def('anon_in_union_side', 'enum').members).toEqual([
      { name: 'SIDE_LEFT', value: 10 },
      { name: 'SIDE_RIGHT', value: 11 },
    ]);
    // typedef struct {...} name; names the body itself
    expect(def('named_by_typedef', 'struct').fields.map((f) => f.name)).toEqual(['aa', 'bb']);
  });

  it('records program/version/procedure tables', () => {
    expect(model.programs).toHaveLength(1);
    const p = model.programs[0];
    expect(p.name).toBe('FIXTURE_PROG');
    expect(p.number).toBe(0x20000099);
    expect(p.versions.map((v) => [v.name, v.number, v.procedures.length])).toEqual([
      ['FIXTURE_V1', 1, 3],
      ['FIXTURE_V2', 2, 1],
    ]);
    const procs = p.versions[0].procedures;
    expect(procs[0]).toMatchObject({ name: 'FIXTUREPROC_NULL', number: 0, args: [], result: null });
    expect(procs[1]).toMatchObject({ name: 'FIXTUREPROC_DO', number: 1, args: [{ typeText: 'point' }], result: { typeText: 'op_result' } });
    expect(procs[2].args.map((a) => a.typeText)).toEqual(['point', 'color']);
  });

  it('collects @hook directives from comments', () => {
    expect(model.hooks).toEqual(['hooked_pair']);
    expect(parseSpec('/* @hook a */ struct a { int x; };', 'h.x').hooks.map((h) => h.name)).toEqual(['a']);
  });

  it('generates decode/encode functions, maps and tables', () => {
    const r = compileXdr(source, 'all.x');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    for (const name of model.types.keys()) {
      expect(r.code).toContain(`export function decode_${name}(r: XdrReader)`);
      expect(r.code).toContain(`export function encode_${name}(w: XdrWriter`);
    }
    expect(r.code).toContain('export const color_names');
    expect(r.code).toContain('export const color_values');
    expect(r.code).toContain('export const op_result_arms');
    expect(r.code).toContain('export type op_result_ArmTypes');
    expect(r.code).toContain('export const programs: readonly XdrProgram[]');
    expect(r.code).toContain('export const HUGE_CONST = 9223372036854775807n;');
    expect(r.code).toContain(`const hooked_pair_hook = hookSlot<hooked_pair>("hooked_pair");`);
  });
});

describe('XDR compile errors carry file:line:column and what was expected', () => {
  const err = (src: string): string => {
    const r = compileXdr(src, 'bad.x');
    if (r.ok) throw new Error('expected a compile error');
    return r.error;
  };

  it.each([
    ['struct s {\n  int x\n};', 'bad.x:3:1: expected ";" after struct member, got "}"'],
    ['const A = ;', 'bad.x:1:11: expected constant value, got ";"'],
    ['typedef foo bar;', 'bad.x:1:9: unknown type foo'],
    ['struct s { int x; };\nstruct s { int y; };', 'bad.x:2:1: type s already defined at line 1'],
    ['const A = B;\nconst B = A;', 'bad.x:1:1: constant A is defined in terms of itself'],
    ['const A = 1;\nconst A = 2;', 'bad.x:2:1: constant A already defined at line 1'],
    ['union u switch (int d) {\n case 1: int a;\n case 1: int b;\n};', 'bad.x:3:7: case value 1 repeats the case at line 2'],
    ['union u switch (opaque d[4]) { case 1: void; };', 'bad.x:1:17: union discriminant must be a plain declaration like "int x"'],
    ['struct p { int x; };\nunion u switch (p d) { case 1: void; };', 'bad.x:2:17: union discriminant d must be int, unsigned int, bool or an enum (got p)'],
    ['struct s { quadruple q; };', 'bad.x:1:12: quadruple (128-bit float) is not supported: JavaScript has no such number type'],
    ['struct s { int x; } ', 'bad.x:1:21: expected ";" after struct definition, got end of file'],
    ['enum e { A = 1 B = 2 };', 'bad.x:1:16: expected "," or "}" in enum body, got "B"'],
    ['struct s { string x; };', 'bad.x:1:20: expected "<" after string name, got ";"'],
    ['/* never closed', 'bad.x:1:1: unterminated comment (expected "*/")'],
    ['struct s { int x; }; $', 'bad.x:1:22: unexpected character "$"'],
    ['typedef opaque x<-1>;', 'bad.x:1:18: opaque maximum -1 is outside 0..4294967295'],
    ['struct s { s inner; };', 'bad.x:1:1: type s contains itself without an optional (*) or variable-length indirection'],
    ['// @hook nothere\nstruct s { int x; };', 'bad.x:1:1: @hook names unknown type nothere'],
    ['union u switch (int d) { case NOPE: void; };', 'bad.x:1:31: unknown constant NOPE'],
    ['struct s { int case; };', 'bad.x:1:16: expected field name, got "case"'],
    ['typedef int x;\ntypedef int Array;', 'bad.x:2:1: type name Array is reserved in the generated TypeScript'],
    ['\nconst class = 1;', 'bad.x:2:1: constant name class is reserved in the generated TypeScript'],
  ])('%j', (src, expected) => {
    expect(err(src)).toBe(expected);
  });

  it('throws XdrCompileError from loadModel with the location', () => {
    try {
      loadModel('\n\n   typedef int;', 'f.x');
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(XdrCompileError);
      expect((e as XdrCompileError).loc).toEqual({ file: 'f.x', line: 3, col: 15 });
    }
  });
});

describe('compiler robustness', () => {
  it('mutated specs give a result or a positioned error, never an exception', () => {
    let seed = 99;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const pieces = ['{', '}', ';', '<', '>', '[', ']', '*', 'union', 'switch', 'case', 'void', 'struct', '0x', '-', '=', ' ', 'int', 'x'];
    let errors = 0;
    for (let i = 0; i < 300; i++) {
      let src = source;
      for (let k = 0; k < 3; k++) {
        const at = rnd(src.length);
        const cut = rnd(12);
        src = src.slice(0, at) + pieces[rnd(pieces.length)] + src.slice(at + cut);
      }
      const r = compileXdr(src, 'm.x');
      if (!r.ok) {
        errors++;
        expect(r.error).toMatch(/^m\.x:\d+:\d+: /);
        expect(r.line).toBeGreaterThan(0);
      }
    }
    expect(errors).toBeGreaterThan(100);
  });
});

/** Recursive-descent parser for the XDR language (RFC 4506 section 6, RFC 5531 programs). */
import {
  type Declaration,
  type Definition,
  type EnumBody,
  type Loc,
  type PrimitiveKind,
  type ProcedureDef,
  type SpecFile,
  type StructBody,
  type TypeSpec,
  type UnionBody,
  type UnionCase,
  type ValueExpr,
  type VersionDef,
  XdrCompileError,
} from './ast.js';
import { lex, type Token } from './lexer.js';

/** Words that cannot name a type, field or constant. */
const KEYWORDS = new Set([
  'bool', 'case', 'const', 'default', 'double', 'quadruple', 'enum', 'float', 'hyper', 'int',
  'opaque', 'string', 'struct', 'switch', 'typedef', 'union', 'unsigned', 'void', 'program', 'version',
]);

export function parseSpec(source: string, file: string): SpecFile {
  const { tokens, hooks } = lex(source, file);
  const p = new Parser(tokens);
  const definitions: Definition[] = [];
  while (!p.atEof()) definitions.push(p.definition());
  return { file, definitions, hooks };
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  atEof(): boolean {
    return this.peek().kind === 'eof';
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)];
  }

  private next(): Token {
    const t = this.tokens[this.i];
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private fail(t: Token, expected: string): never {
    const got = t.kind === 'eof' ? 'end of file' : t.kind === 'number' ? `number ${t.text}` : `"${t.text}"`;
    throw new XdrCompileError(t.loc, `expected ${expected}, got ${got}`);
  }

  private isPunct(c: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'punct' && t.text === c;
  }

  private isWord(w: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'ident' && t.text === w;
  }

  private expectPunct(c: string, what = `"${c}"`): Token {
    const t = this.peek();
    if (t.kind !== 'punct' || t.text !== c) this.fail(t, what);
    return this.next();
  }

  private expectWord(w: string): Token {
    const t = this.peek();
    if (t.kind !== 'ident' || t.text !== w) this.fail(t, `"${w}"`);
    return this.next();
  }

  private identifier(what: string): Token {
    const t = this.peek();
    if (t.kind !== 'ident' || KEYWORDS.has(t.text)) this.fail(t, what);
    return this.next();
  }

  definition(): Definition {
    const t = this.peek();
    if (t.kind !== 'ident') this.fail(t, 'a definition (typedef, enum, struct, union, const, program)');
    switch (t.text) {
      case 'const': {
        this.next();
        const name = this.identifier('constant name').text;
        this.expectPunct('=');
        const value = this.value('constant value');
        this.expectPunct(';', '";" after const definition');
        return { kind: 'const', name, value, loc: t.loc };
      }
      case 'typedef': {
        this.next();
        const decl = this.declaration(null);
        if (decl.kind === 'void') throw new XdrCompileError(decl.loc, 'typedef of void declares nothing');
        this.expectPunct(';', '";" after typedef');
        return { kind: 'typedef', decl, loc: t.loc };
      }
      case 'enum': {
        this.next();
        const name = this.identifier('enum name').text;
        const body = this.enumBody();
        this.expectPunct(';', '";" after enum definition');
        return { kind: 'enum', name, body, loc: t.loc };
      }
      case 'struct': {
        this.next();
        const name = this.identifier('struct name').text;
        const body = this.structBody();
        this.expectPunct(';', '";" after struct definition');
        return { kind: 'struct', name, body, loc: t.loc };
      }
      case 'union': {
        this.next();
        const name = this.identifier('union name').text;
        const body = this.unionBody();
        this.expectPunct(';', '";" after union definition');
        return { kind: 'union', name, body, loc: t.loc };
      }
      case 'program':
        return this.program();
      default:
        return this.fail(t, 'a definition (typedef, enum, struct, union, const, program)');
    }
  }

  /** A number (optionally negative) or a constant name (optionally negated). */
  private value(what: string): ValueExpr {
    let negate = false;
    const first = this.peek();
    if (this.isPunct('-')) {
      this.next();
      negate = true;
    }
    const t = this.peek();
    if (t.kind === 'number') {
      this.next();
      return { kind: 'number', value: negate ? -(t.value as bigint) : (t.value as bigint), loc: first.loc };
    }
    if (t.kind === 'ident' && !KEYWORDS.has(t.text)) {
      this.next();
      return { kind: 'ident', name: t.text, negate, loc: first.loc };
    }
    return this.fail(t, what);
  }

  private enumBody(): EnumBody {
    this.expectPunct('{', '"{" to open the enum body');
    const members: EnumBody['members'] = [];
    for (;;) {
      const nameTok = this.identifier('enum member name');
      let value: ValueExpr;
      if (this.isPunct('=')) {
        this.next();
        value = this.value('enum member value');
      } else {
        // RFC 4506 requires "= value"; a few specs omit it and mean "previous + 1".
        const prev = members[members.length - 1];
        value = prev
          ? { kind: 'succ', prev: prev.name, loc: nameTok.loc }
          : { kind: 'number', value: 0n, loc: nameTok.loc };
      }
      members.push({ name: nameTok.text, value, loc: nameTok.loc });
      if (this.isPunct(',')) {
        this.next();
        if (this.isPunct('}')) break; // trailing comma
        continue;
      }
      if (this.isPunct('}')) break;
      this.fail(this.peek(), '"," or "}" in enum body');
    }
    this.expectPunct('}');
    return { members };
  }

  private structBody(): StructBody {
    this.expectPunct('{', '"{" to open the struct body');
    const fields: Declaration[] = [];
    while (!this.isPunct('}')) {
      fields.push(this.declaration(null));
      this.expectPunct(';', '";" after struct member');
    }
    this.expectPunct('}');
    if (fields.length === 0) throw new XdrCompileError(this.peek(-1).loc, 'struct body has no members');
    return { fields };
  }

  private unionBody(): UnionBody {
    this.expectWord('switch');
    this.expectPunct('(', '"(" after switch');
    const discriminant = this.declaration(null);
    if (discriminant.kind !== 'plain') {
      throw new XdrCompileError(discriminant.loc, 'union discriminant must be a plain declaration like "int x"');
    }
    this.expectPunct(')', '")" after the discriminant');
    this.expectPunct('{', '"{" to open the union body');
    const cases: UnionCase[] = [];
    let defaultDecl: Declaration | null = null;
    let defaultLoc: Loc | null = null;
    while (!this.isPunct('}')) {
      const t = this.peek();
      if (this.isWord('case')) {
        const labels: ValueExpr[] = [];
        while (this.isWord('case')) {
          this.next();
          labels.push(this.value('case value (number or constant name)'));
          this.expectPunct(':', '":" after case value');
        }
        const decl = this.declaration(null);
        this.expectPunct(';', '";" after union arm');
        cases.push({ labels, decl, loc: t.loc });
      } else if (this.isWord('default')) {
        if (defaultDecl) throw new XdrCompileError(t.loc, 'second default arm in union');
        this.next();
        this.expectPunct(':', '":" after default');
        defaultDecl = this.declaration(null);
        defaultLoc = t.loc;
        this.expectPunct(';', '";" after default arm');
      } else {
        this.fail(t, '"case", "default" or "}" in union body');
      }
    }
    this.expectPunct('}');
    if (cases.length === 0 && !defaultDecl) throw new XdrCompileError(this.peek(-1).loc, 'union has no arms');
    return { discriminant, cases, defaultDecl, defaultLoc };
  }

  /** type-specifier (RFC 4506 6.3), including inline enum/struct/union bodies. */
  private typeSpec(): TypeSpec {
    const t = this.peek();
    if (t.kind !== 'ident') return this.fail(t, 'a type');
    const prim = (p: PrimitiveKind): TypeSpec => ({ kind: 'primitive', prim: p, loc: t.loc });
    switch (t.text) {
      case 'unsigned':
        this.next();
        if (this.isWord('int')) {
          this.next();
          return prim('uint');
        }
        if (this.isWord('hyper')) {
          this.next();
          return prim('uhyper');
        }
        if (this.isWord('long')) {
          this.next();
          return prim('uint');
        }
        return prim('uint'); // bare "unsigned" means unsigned int
      case 'int':
        this.next();
        return prim('int');
      case 'hyper':
        this.next();
        return prim('hyper');
      case 'bool':
        this.next();
        return prim('bool');
      case 'float':
        this.next();
        return prim('float');
      case 'double':
        this.next();
        return prim('double');
      case 'quadruple':
        this.next();
        return prim('quadruple');
      case 'enum':
        this.next();
        if (this.isPunct('{')) return { kind: 'enum', body: this.enumBody(), loc: t.loc };
        return { kind: 'ref', name: this.identifier('enum name or "{"').text, loc: t.loc };
      case 'struct':
        this.next();
        if (this.isPunct('{')) return { kind: 'struct', body: this.structBody(), loc: t.loc };
        return { kind: 'ref', name: this.identifier('struct name or "{"').text, loc: t.loc };
      case 'union':
        this.next();
        if (this.isWord('switch')) return { kind: 'union', body: this.unionBody(), loc: t.loc };
        return { kind: 'ref', name: this.identifier('union name or "switch"').text, loc: t.loc };
      default:
        if (KEYWORDS.has(t.text)) return this.fail(t, 'a type');
        this.next();
        return { kind: 'ref', name: t.text, loc: t.loc };
    }
  }

  /** declaration (RFC 4506 6.3); `void` only where allowed by the caller's grammar. */
  private declaration(_ctx: null): Declaration {
    const t = this.peek();
    if (this.isWord('void')) {
      this.next();
      return { kind: 'void', loc: t.loc };
    }
    if (this.isWord('opaque')) {
      this.next();
      const name = this.identifier('field name after "opaque"').text;
      if (this.isPunct('[')) {
        this.next();
        const size = this.value('opaque length');
        this.expectPunct(']');
        return { kind: 'fixedOpaque', name, size, loc: t.loc };
      }
      if (this.isPunct('<')) return { kind: 'varOpaque', name, max: this.varBound(), loc: t.loc };
      return this.fail(this.peek(), '"[" or "<" after opaque name');
    }
    if (this.isWord('string')) {
      this.next();
      const name = this.identifier('field name after "string"').text;
      if (this.isPunct('<')) return { kind: 'string', name, max: this.varBound(), loc: t.loc };
      return this.fail(this.peek(), '"<" after string name');
    }
    const type = this.typeSpec();
    if (this.isPunct('*')) {
      this.next();
      const name = this.identifier('field name after "*"').text;
      return { kind: 'optional', name, type, loc: t.loc };
    }
    const name = this.identifier('field name').text;
    if (this.isPunct('[')) {
      this.next();
      const size = this.value('array length');
      this.expectPunct(']');
      return { kind: 'fixedArray', name, type, size, loc: t.loc };
    }
    if (this.isPunct('<')) return { kind: 'varArray', name, type, max: this.varBound(), loc: t.loc };
    return { kind: 'plain', name, type, loc: t.loc };
  }

  /** `<>` or `<N>`. */
  private varBound(): ValueExpr | null {
    this.expectPunct('<');
    if (this.isPunct('>')) {
      this.next();
      return null;
    }
    const v = this.value('maximum size or ">"');
    this.expectPunct('>');
    return v;
  }

  private program(): Definition {
    const t = this.expectWord('program');
    const name = this.identifier('program name').text;
    this.expectPunct('{', '"{" to open the program body');
    const versions: VersionDef[] = [];
    while (!this.isPunct('}')) {
      const vt = this.expectWord('version');
      const vname = this.identifier('version name').text;
      this.expectPunct('{', '"{" to open the version body');
      const procedures: ProcedureDef[] = [];
      while (!this.isPunct('}')) procedures.push(this.procedure());
      this.expectPunct('}');
      this.expectPunct('=', '"=" and the version number');
      const number = this.value('version number');
      this.expectPunct(';', '";" after version');
      versions.push({ name: vname, number, procedures, loc: vt.loc });
    }
    this.expectPunct('}');
    this.expectPunct('=', '"=" and the program number');
    const number = this.value('program number');
    this.expectPunct(';', '";" after program');
    if (versions.length === 0) throw new XdrCompileError(t.loc, 'program has no versions');
    return { kind: 'program', name, number, versions, loc: t.loc };
  }

  private procedure(): ProcedureDef {
    const t = this.peek();
    const result = this.typeOrVoid();
    const name = this.identifier('procedure name').text;
    this.expectPunct('(', '"(" after procedure name');
    const args: TypeSpec[] = [];
    const first = this.typeOrVoid();
    if (first) {
      args.push(first);
      while (this.isPunct(',')) {
        this.next();
        const more = this.typeOrVoid();
        if (!more) this.fail(this.peek(-1), 'an argument type');
        args.push(more);
      }
    }
    this.expectPunct(')', '")" after procedure arguments');
    this.expectPunct('=', '"=" and the procedure number');
    const number = this.value('procedure number');
    this.expectPunct(';', '";" after procedure');
    return { name, number, result, args, loc: t.loc };
  }

  private typeOrVoid(): TypeSpec | null {
    if (this.isWord('void')) {
      this.next();
      return null;
    }
    return this.typeSpec();
  }
}

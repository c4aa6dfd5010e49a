/**
 * Display-filter syntax: tokens -> AST. Precedence, loosest first: or (||), and (&&),
 * not (!), then tests. A test is `operand`, `operand RELATION operand`, `operand contains x`,
 * `operand matches "re"`, `operand [not] in {set}`. Field names are checked later (compile.ts).
 */
import { FilterSyntaxError, tokenize, type Token } from './lexer.js';

/** Comparison relations, normalised. any_eq = `==`, all_ne = `!=` (Wireshark 4.0 meanings). */
export type Relation = 'any_eq' | 'all_ne' | 'all_eq' | 'any_ne' | 'lt' | 'gt' | 'le' | 'ge';

export interface Operand {
  kind: 'word' | 'string';
  text: string;
  /** Decoded string value for 'string'. */
  value?: string;
  pos: number;
}

export interface SetItem {
  lo: Operand;
  /** Present for a range lo..hi. */
  hi?: Operand;
}

export type FilterAst =
  | { kind: 'or' | 'and'; left: FilterAst; right: FilterAst; pos: number }
  | { kind: 'not'; expr: FilterAst; pos: number }
  | { kind: 'exists'; operand: Operand }
  | { kind: 'compare'; rel: Relation; left: Operand; right: Operand; pos: number }
  | { kind: 'contains'; left: Operand; right: Operand; pos: number }
  | { kind: 'matches'; left: Operand; right: Operand; pos: number }
  | { kind: 'in'; negate: boolean; left: Operand; items: SetItem[]; pos: number };

const RELATIONS: Record<string, Relation> = {
  '==': 'any_eq', eq: 'any_eq', any_eq: 'any_eq',
  '!=': 'all_ne', ne: 'all_ne', all_ne: 'all_ne',
  '===': 'all_eq', all_eq: 'all_eq',
  '!==': 'any_ne', '~=': 'any_ne', any_ne: 'any_ne',
  '<': 'lt', lt: 'lt', '>': 'gt', gt: 'gt', '<=': 'le', le: 'le', '>=': 'ge', ge: 'ge',
};

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'contains', 'matches', 'eq', 'ne', 'lt', 'gt', 'le', 'ge',
  'any_eq', 'all_ne', 'all_eq', 'any_ne']);

function lower(t: Token): string {
  return t.kind === 'word' ? t.text.toLowerCase() : '';
}

function describe(t: Token): string {
  if (t.kind === 'eof') return 'end of filter';
  return `"${t.text}"`;
}

/** Nesting of parentheses / `not` beyond this is refused (the parser recurses). */
export const MAX_NESTING = 200;

class Parser {
  private i = 0;
  private depth = 0;

  private enter(t: Token): void {
    if (++this.depth > MAX_NESTING) throw new FilterSyntaxError(`filter nested more than ${MAX_NESTING} levels deep`, t.pos);
  }
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.i];
  }

  private next(): Token {
    const t = this.tokens[this.i];
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private isWord(t: Token, ...words: string[]): boolean {
    return t.kind === 'word' && words.includes(t.text.toLowerCase());
  }

  parseAll(): FilterAst {
    const e = this.parseOr();
    const t = this.peek();
    if (t.kind !== 'eof') {
      if (t.kind === 'rparen') throw new FilterSyntaxError('unmatched ")"', t.pos);
      throw new FilterSyntaxError(`unexpected ${describe(t)}: expected "and", "or" or the end of the filter`, t.pos);
    }
    return e;
  }

  private parseOr(): FilterAst {
    let left = this.parseAnd();
    for (;;) {
      const t = this.peek();
      if ((t.kind === 'op' && t.text === '||') || this.isWord(t, 'or')) {
        this.next();
        left = { kind: 'or', left, right: this.parseAnd(), pos: t.pos };
      } else {
        return left;
      }
    }
  }

  private parseAnd(): FilterAst {
    let left = this.parseNot();
    for (;;) {
      const t = this.peek();
      if ((t.kind === 'op' && t.text === '&&') || this.isWord(t, 'and')) {
        this.next();
        left = { kind: 'and', left, right: this.parseNot(), pos: t.pos };
      } else {
        return left;
      }
    }
  }

  private parseNot(): FilterAst {
    const t = this.peek();
    if ((t.kind === 'op' && t.text === '!') || this.isWord(t, 'not')) {
      this.next();
      this.enter(t);
      const expr = this.parseNot();
      this.depth--;
      return { kind: 'not', expr, pos: t.pos };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): FilterAst {
    const t = this.peek();
    if (t.kind === 'lparen') {
      this.next();
      this.enter(t);
      const e = this.parseOr();
      this.depth--;
      const close = this.peek();
      if (close.kind !== 'rparen') {
        throw new FilterSyntaxError(`expected ")" to close the "(" at ${t.pos + 1}, found ${describe(close)}`, close.pos);
      }
      this.next();
      return e;
    }
    return this.parseTest();
  }

  private operand(what: string): Operand {
    const t = this.peek();
    if (t.kind === 'word' && !KEYWORDS.has(t.text.toLowerCase())) {
      this.next();
      return { kind: 'word', text: t.text, pos: t.pos };
    }
    if (t.kind === 'string') {
      this.next();
      return { kind: 'string', text: t.text, value: t.value, pos: t.pos };
    }
    throw new FilterSyntaxError(`expected ${what}, found ${describe(t)}`, t.pos);
  }

  private parseTest(): FilterAst {
    const left = this.operand('a field name');
    const t = this.peek();
    const lw = lower(t);
    const relKey = t.kind === 'op' ? t.text : lw;
    const rel = RELATIONS[relKey];
    if (rel !== undefined && (t.kind === 'op' || t.kind === 'word')) {
      this.next();
      const right = this.operand('a value');
      return { kind: 'compare', rel, left, right, pos: t.pos };
    }
    if (lw === 'contains') {
      this.next();
      return { kind: 'contains', left, right: this.operand('a value'), pos: t.pos };
    }
    if (lw === 'matches' || (t.kind === 'op' && t.text === '~')) {
      this.next();
      return { kind: 'matches', left, right: this.operand('a regular expression string'), pos: t.pos };
    }
    if (lw === 'in') {
      this.next();
      return { kind: 'in', negate: false, left, items: this.parseSet(), pos: t.pos };
    }
    if (lw === 'not' && lower(this.tokens[this.i + 1]) === 'in') {
      this.next();
      this.next();
      return { kind: 'in', negate: true, left, items: this.parseSet(), pos: t.pos };
    }
    if (left.kind === 'string') throw new FilterSyntaxError(`a string alone is not a test; expected a field name`, left.pos);
    return { kind: 'exists', operand: left };
  }

  private parseSet(): SetItem[] {
    const open = this.peek();
    if (open.kind !== 'lbrace') throw new FilterSyntaxError(`expected "{" after "in", found ${describe(open)}`, open.pos);
    this.next();
    const items: SetItem[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'rbrace') {
        if (items.length === 0) throw new FilterSyntaxError('empty set', t.pos);
        this.next();
        return items;
      }
      if (t.kind === 'comma' && items.length > 0) { this.next(); continue; }
      if (t.kind === 'eof') throw new FilterSyntaxError(`expected "}" to close the "{" at ${open.pos + 1}`, t.pos);
      items.push(...this.setItem());
    }
  }

  /** One set element: `v`, `lo..hi`, `lo .. hi`. */
  private setItem(): SetItem[] {
    const t = this.peek();
    if (t.kind === 'word' && t.text.includes('..')) {
      this.next();
      const k = t.text.indexOf('..');
      const a = t.text.slice(0, k);
      const b = t.text.slice(k + 2);
      if (a === '' && b === '') {
        throw new FilterSyntaxError('".." must stand between two values', t.pos);
      }
      if (a === '') throw new FilterSyntaxError('range without a lower bound', t.pos);
      const lo: Operand = { kind: 'word', text: a, pos: t.pos };
      if (b !== '') return [{ lo, hi: { kind: 'word', text: b, pos: t.pos + k + 2 } }];
      return [{ lo, hi: this.operand('the upper bound of a range') }];
    }
    const lo = this.operand('a set element');
    const n = this.peek();
    if (n.kind === 'word' && n.text.startsWith('..')) {
      this.next();
      const rest = n.text.slice(2);
      if (rest !== '') return [{ lo, hi: { kind: 'word', text: rest, pos: n.pos + 2 } }];
      return [{ lo, hi: this.operand('the upper bound of a range') }];
    }
    return [{ lo }];
  }
}

/** Parses filter text to an AST; throws FilterSyntaxError (with a position). */
export function parseFilter(text: string): FilterAst {
  return new Parser(tokenize(text)).parseAll();
}

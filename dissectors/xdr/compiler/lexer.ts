/** Tokenizer for XDR specification text. */
import { type Loc, XdrCompileError } from './ast.js';

export type TokenKind = 'ident' | 'number' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Identifier text, punctuation character, or the literal as written. */
  text: string;
  /** Numeric value of a number token. */
  value?: bigint;
  loc: Loc;
}

export interface LexResult {
  tokens: Token[];
  /** `@hook <type>` directives found in comments. */
  hooks: { name: string; loc: Loc }[];
}

const PUNCT = new Set(['{', '}', '(', ')', '[', ']', '<', '>', ';', ':', ',', '=', '*', '-']);
const HOOK_DIRECTIVE = /@hook\s+([A-Za-z_][A-Za-z0-9_]*)/g;

export function lex(source: string, file: string): LexResult {
  const tokens: Token[] = [];
  const hooks: { name: string; loc: Loc }[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = source.length;
  const here = (): Loc => ({ file, line, col: i - lineStart + 1 });
  const scanDirectives = (text: string, loc: Loc): void => {
    for (const m of text.matchAll(HOOK_DIRECTIVE)) hooks.push({ name: m[1], loc });
  };
  let atLineStart = true;

  while (i < n) {
    const c = source[i];
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
      atLineStart = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    // `%` lines are passthrough text for rpcgen (e.g. %#include); ignored here.
    if (c === '%' && atLineStart) {
      while (i < n && source[i] !== '\n') i++;
      continue;
    }
    atLineStart = false;
    if (c === '/' && source[i + 1] === '*') {
      const loc = here();
      const close = source.indexOf('*/', i + 2);
      if (close < 0) throw new XdrCompileError(loc, 'unterminated comment (expected "*/")');
      const text = source.slice(i + 2, close);
      scanDirectives(text, loc);
      for (let k = i; k < close; k++) {
        if (source[k] === '\n') {
          line++;
          lineStart = k + 1;
        }
      }
      i = close + 2;
      continue;
    }
    if (c === '/' && source[i + 1] === '/') {
      const loc = here();
      let e = i;
      while (e < n && source[e] !== '\n') e++;
      scanDirectives(source.slice(i + 2, e), loc);
      i = e;
      continue;
    }
    if (isIdentStart(c)) {
      const loc = here();
      let e = i + 1;
      while (e < n && isIdentPart(source[e])) e++;
      tokens.push({ kind: 'ident', text: source.slice(i, e), loc });
      i = e;
      continue;
    }
    if (c >= '0' && c <= '9') {
      const loc = here();
      let e = i + 1;
      while (e < n && isIdentPart(source[e])) e++;
      const text = source.slice(i, e);
      tokens.push({ kind: 'number', text, value: parseNumber(text, loc), loc });
      i = e;
      continue;
    }
    if (PUNCT.has(c)) {
      tokens.push({ kind: 'punct', text: c, loc: here() });
      i++;
      continue;
    }
    throw new XdrCompileError(here(), `unexpected character ${JSON.stringify(c)}`);
  }
  tokens.push({ kind: 'eof', text: 'end of file', loc: here() });
  return { tokens, hooks };
}

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

function isIdentPart(c: string): boolean {
  return isIdentStart(c) || (c >= '0' && c <= '9');
}

/** Decimal, hexadecimal (0x) or octal (leading 0) literal, as RFC 4506 allows. */
function parseNumber(text: string, loc: Loc): bigint {
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) return BigInt(text);
  if (/^0[0-7]+$/.test(text)) return BigInt('0o' + text.slice(1));
  if (/^(0|[1-9][0-9]*)$/.test(text)) return BigInt(text);
  throw new XdrCompileError(loc, `malformed number ${JSON.stringify(text)}`);
}

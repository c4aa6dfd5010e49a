/**
 * Tokens of the display-filter language. Unquoted literals (numbers, IP addresses, byte
 * strings aa:bb:cc, value names, field names) are all one token kind, 'word': what a word
 * means is decided later from the field it is compared with, as Wireshark does.
 */

export type TokenKind =
  | 'word'      // field name, keyword, unquoted literal
  | 'string'    // "..." (value has escapes applied)
  | 'op'        // == != === !== ~= < > <= >= && || ! ~
  | 'lparen' | 'rparen' | 'lbrace' | 'rbrace' | 'comma'
  | 'eof';

export interface Token {
  kind: TokenKind;
  text: string;
  /** 0-based offset of the token's first character in the filter text. */
  pos: number;
  /** For 'string': the decoded value. */
  value?: string;
}

export class FilterSyntaxError extends Error {
  constructor(message: string, readonly position: number) {
    super(message);
  }
}

const WORD_CHAR = /[A-Za-z0-9_.:\-/]/;

const OPS = ['===', '!==', '==', '!=', '~=', '<=', '>=', '&&', '||', '<', '>', '!', '~'];

function readString(text: string, start: number, raw: boolean): { value: string; end: number } {
  // start is the position of the opening quote.
  let i = start + 1;
  let out = '';
  while (i < text.length) {
    const c = text[i];
    if (c === '"') return { value: out, end: i + 1 };
    if (c === '\\' && !raw) {
      const n = text[i + 1];
      if (n === undefined) break;
      switch (n) {
        case 'n': out += '\n'; i += 2; continue;
        case 't': out += '\t'; i += 2; continue;
        case 'r': out += '\r'; i += 2; continue;
        case 'a': out += '\x07'; i += 2; continue;
        case 'b': out += '\b'; i += 2; continue;
        case 'f': out += '\f'; i += 2; continue;
        case 'v': out += '\v'; i += 2; continue;
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
          const m = /^[0-7]{1,3}/.exec(text.slice(i + 1, i + 4));
          const digits = m ? m[0] : n;
          out += String.fromCharCode(parseInt(digits, 8) & 0xff);
          i += 1 + digits.length;
          continue;
        }
        case 'x': {
          const m = /^[0-9A-Fa-f]{1,2}/.exec(text.slice(i + 2, i + 4));
          if (!m) throw new FilterSyntaxError('\\x must be followed by hex digits', i);
          out += String.fromCharCode(parseInt(m[0], 16));
          i += 2 + m[0].length;
          continue;
        }
        case 'u': {
          const m = /^[0-9A-Fa-f]{4}/.exec(text.slice(i + 2, i + 6));
          if (!m) throw new FilterSyntaxError('\\u must be followed by 4 hex digits', i);
          out += String.fromCharCode(parseInt(m[0], 16));
          i += 6;
          continue;
        }
        default:
          out += n; // \" \\ and any other escaped character stand for themselves
          i += 2;
          continue;
      }
    }
    out += c;
    i++;
  }
  throw new FilterSyntaxError('unterminated string (missing closing ")', start);
}

/** Splits a filter into tokens; throws FilterSyntaxError with a position. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    if (c === '(') { tokens.push({ kind: 'lparen', text: c, pos: i }); i++; continue; }
    if (c === ')') { tokens.push({ kind: 'rparen', text: c, pos: i }); i++; continue; }
    if (c === '{') { tokens.push({ kind: 'lbrace', text: c, pos: i }); i++; continue; }
    if (c === '}') { tokens.push({ kind: 'rbrace', text: c, pos: i }); i++; continue; }
    if (c === ',') { tokens.push({ kind: 'comma', text: c, pos: i }); i++; continue; }
    if (c === '"' || ((c === 'r' || c === 'R') && text[i + 1] === '"')) {
      const raw = c !== '"';
      const q = raw ? i + 1 : i;
      const s = readString(text, q, raw);
      tokens.push({ kind: 'string', text: text.slice(i, s.end), pos: i, value: s.value });
      i = s.end;
      continue;
    }
    if (WORD_CHAR.test(c)) {
      let j = i + 1;
      while (j < text.length && WORD_CHAR.test(text[j])) j++;
      tokens.push({ kind: 'word', text: text.slice(i, j), pos: i });
      i = j;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', text: op, pos: i });
      i += op.length;
      continue;
    }
    throw new FilterSyntaxError(`unexpected character '${c}'`, i);
  }
  tokens.push({ kind: 'eof', text: '', pos: text.length });
  return tokens;
}

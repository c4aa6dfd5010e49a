export { compileFilter, formatFilterError, type CompiledFilter, type FilterResult } from './compile.js';
export { parseFilter, type FilterAst, type Relation } from './parser.js';

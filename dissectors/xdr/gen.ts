/**
 * `tsx dissectors/xdr/gen.ts`: compiles every dissectors/xdr/*.x into
 * dissectors/xdr/generated/<name>.ts, and dissectors/xdr/test-fixtures/*.x into
 * dissectors/xdr/generated/test-fixtures/<name>.ts. Files are replaced atomically and only
 * when their text changes (tests may run while another process regenerates).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileXdr } from './compiler/index.js';

export const XDR_DIR = dirname(fileURLToPath(import.meta.url));
export const GENERATED_DIR = join(XDR_DIR, 'generated');

/** Types given post-decode / pre-encode hooks in the protocol specs (registered by dissectors/nfs4). */
export const DEFAULT_HOOKS = ['fattr4', 'notify4'];

export interface GenTarget {
  source: string;
  output: string;
  runtimeImport: string;
  hooks: string[];
}

/** What gen would compile: spec files and fixtures, with their outputs. */
export function genTargets(xdrDir = XDR_DIR): GenTarget[] {
  const targets: GenTarget[] = [];
  const add = (dir: string, outDir: string, runtimeImport: string, hooks: string[]): void => {
    if (!existsSync(dir)) return;
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith('.x')) continue;
      targets.push({ source: join(dir, f), output: join(outDir, basename(f, '.x') + '.ts'), runtimeImport, hooks });
    }
  };
  const genDir = join(xdrDir, 'generated');
  add(xdrDir, genDir, '../runtime.js', DEFAULT_HOOKS);
  add(join(xdrDir, 'test-fixtures'), join(genDir, 'test-fixtures'), '../../runtime.js', []);
  return targets;
}

export interface GenResult {
  target: GenTarget;
  ok: boolean;
  changed: boolean;
  error?: string;
}

function writeIfChanged(path: string, text: string): boolean {
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return false;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
  return true;
}

/** Compiles every target; errors are reported per file, not thrown. */
export function generateAll(xdrDir = XDR_DIR): GenResult[] {
  return genTargets(xdrDir).map((target) => {
    const source = readFileSync(target.source, 'utf8');
    // Named relative to the repository root, so the output does not depend on the cwd.
    const name = relative(join(xdrDir, '..', '..'), target.source);
    const r = compileXdr(source, name, { hooks: target.hooks, runtimeImport: target.runtimeImport });
    if (!r.ok) return { target, ok: false, changed: false, error: r.error };
    return { target, ok: true, changed: writeIfChanged(target.output, r.code) };
  });
}

function main(): void {
  const results = generateAll();
  let failed = 0;
  for (const r of results) {
    const out = relative(process.cwd(), r.target.output);
    if (r.ok) console.log(`xdr: ${out}${r.changed ? '' : ' (unchanged)'}`);
    else {
      failed++;
      console.error(`xdr: error: ${r.error}`);
    }
  }
  if (results.length === 0) console.log('xdr: no .x files');
  if (failed) process.exit(1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();

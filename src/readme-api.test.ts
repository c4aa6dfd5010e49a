/**
 * The README's Node API example, run as written (against the built dist/, which `npm test`
 * builds first): it must keep working as the API changes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

describe('README Node API example', () => {
  it('runs and prints the demo capture’s notifications and delegations', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const code = /## Node API[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toBeDefined();
    // The example imports ./dist/... from the checkout's root; run it from a temporary file.
    const script = code!.replace(/from '\.\/(dist\/[^']+)'/g, (_, p: string) => `from '${pathToFileURL(join(ROOT, p)).href}'`);
    const file = join(mkdtempSync(join(tmpdir(), 'nfscope-readme-')), 'example.mjs');
    writeFileSync(file, script);
    const out = execFileSync(process.execPath, [file], { cwd: ROOT, encoding: 'utf8' });
    expect(out).toContain('CB_NOTIFY in frame 40');
    expect(out).toMatch(/^directory 5e4a00dd0001000200000001 granted notified .* recalled returned$/m);
    expect(out).toContain('rpcMessages');
  });
});

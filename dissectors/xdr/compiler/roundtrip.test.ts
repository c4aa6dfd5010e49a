/**
 * Round trip of EVERY type of every spec in dissectors/xdr/*.x and test-fixtures/*.x:
 * random value -> encode -> decode gives the value back, consumes exactly the encoded bytes,
 * and re-encoding gives identical bytes.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateAll, genTargets } from '../gen.js';
import { type Span, XdrReader, XdrTracer, XdrWriter, xdrDecode } from '../runtime.js';
import { loadModel } from './index.js';
import { makeRng, RandomValues, seedOf } from './random-value.js';

type Decoder = (r: XdrReader) => unknown;
type Encoder = (w: XdrWriter, v: unknown) => void;

const targets = genTargets();
const ITERATIONS = 25;

beforeAll(() => {
  const results = generateAll();
  const failures = results.filter((r) => !r.ok).map((r) => r.error);
  expect(failures).toEqual([]);
});

describe.each(targets.map((t) => [relative(process.cwd(), t.source), t] as const))('round trip of %s', (_name, target) => {
  it('encode -> decode is the identity for every type', async () => {
    const model = loadModel(readFileSync(target.source, 'utf8'), target.source, { hooks: target.hooks });
    const mod = (await import(pathToFileURL(target.output).href)) as Record<string, unknown>;
    expect(model.types.size).toBeGreaterThan(0);
    let checked = 0;
    for (const name of model.types.keys()) {
      // Hooked types round-trip through their plain codec (no hook is registered here).
      const decode = mod[`decode_${name}`] as Decoder;
      const encode = mod[`encode_${name}`] as Encoder;
      expect(typeof decode, `decode_${name}`).toBe('function');
      expect(typeof encode, `encode_${name}`).toBe('function');
      const gen = new RandomValues(model, makeRng(seedOf(name)));
      for (let i = 0; i < ITERATIONS; i++) {
        const value = gen.ofType(name);
        const w = new XdrWriter(8);
        encode(w, value);
        const bytes = w.finish();
        expect(bytes.length % 4, `${name}: encoding is 4-byte aligned`).toBe(0);
        const back = xdrDecode(decode, bytes);
        if (!back.ok) throw new Error(`${name}: decode failed: ${back.reason} at ${back.offset}`);
        expect(back.end, `${name}: consumed bytes`).toBe(bytes.length);
        expect(back.value, `${name}: value`).toEqual(value);
        const w2 = new XdrWriter();
        encode(w2, back.value);
        expect(w2.finish(), `${name}: re-encoding`).toEqual(bytes);
        // The same decode with a tracer: same value, and a well-formed span tree.
        const tracer = new XdrTracer();
        const traced = xdrDecode(decode, bytes, 0, tracer);
        expect(traced, `${name}: traced decode`).toEqual(back);
        expect(tracer.depth).toBe(0);
        checkSpans(tracer.spans, 0, bytes.length, name);
        const def = model.types.get(name);
        if (def?.kind === 'struct') expect(tracer.spans.map((sp) => sp.name), `${name}: field spans`).toEqual(def.fields.map((f) => f.name));
        if (def?.kind === 'union') expect(tracer.spans[0]?.name, `${name}: discriminant span`).toBe(def.disc.name);
        checked++;
      }
    }
    expect(checked).toBe(model.types.size * ITERATIONS);
  });
});

/** Siblings are ordered and disjoint, and every span lies inside its parent. */
function checkSpans(spans: Span[], start: number, end: number, where: string): void {
  let pos = start;
  for (const sp of spans) {
    if (sp.offset < pos || sp.length < 0 || sp.offset + sp.length > end) {
      throw new Error(`${where}: span ${sp.name} [${sp.offset}, +${sp.length}] outside [${pos}, ${end})`);
    }
    if (sp.children) checkSpans(sp.children, sp.offset, sp.offset + sp.length, `${where}.${sp.name}`);
    pos = sp.offset + sp.length;
  }
}

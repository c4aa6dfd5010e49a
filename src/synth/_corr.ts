import { runScenario, listScenarios } from './index.js';
import { runEngine } from '../engine.js';
import { openCapture } from '../sources/open.js';
for (const s of listScenarios().filter((x) => !x.workload)) {
  const r = await runScenario(s.name, `/tmp/synthx/c-${s.name}.pcap`);
  const e = await runEngine(await openCapture(r.path), { correlate: true });
  const got = e.correlator!.delegations().filter((d) => d.stateid);
  const want = r.expected!.delegations;
  console.log(`== ${s.name}: expected ${want.length}, correlator ${got.length} (+${e.correlator!.delegations().length - got.length} unavailable)`);
  for (const w of want) {
    const g = got.find((d) => d.stateid?.other === w.stateidOther);
    if (!g) { console.log('  MISSING', w.id); continue; }
    const kinds = g.events.map((ev) => ev.kind + '@' + ev.frame + (ev.kind === 'recalled' ? '(' + ev.cause.kind + ')' : '')).join(' ');
    const wk = w.events.map((ev) => ev.kind + '@' + ev.call.frame).join(' ');
    console.log(`  ${w.id} state=${g.state} end=${w.end.kind} cause=${w.recall?.cause}\n    got:  ${kinds}\n    want: ${wk}\n    problems got: ${g.problems.map((p) => p.kind).join(',')} want: ${w.problems.join(',')}`);
  }
}

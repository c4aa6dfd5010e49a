import { describe, expect, it } from 'vitest';
import { Correlator } from './correlator.js';
import { delegationsJsonPieces, delegationsTextPieces, delegationsToJson, formatDelegationsText, formatStatsText, statsToJson } from './format.js';
import { ADD, World, cbNotify, cbRecall, cbSeq, establish, gddArgs, gddOk, mask, notifyAdd, putfh, seq, seqRes, sessionId, stateid } from './testkit.js';

function scenario(): Correlator {
  const c = new Correlator();
  const w = new World(c);
  const a = w.conn('10.0.0.1:800');
  const b = w.conn('10.0.0.2:801');
  establish(w, a, 0x10n, sessionId(1), 'a');
  establish(w, b, 0x20n, sessionId(2), 'b');
  const g = w.call(a, [seq(sessionId(1)), putfh('dir'), ['GET_DIR_DELEGATION', gddArgs(mask(ADD))]]);
  w.ok(g, { 0: seqRes(), 2: gddOk(stateid(1), mask(ADD)) });
  // a hostile name: escape sequence, newline, bell
  const evil = 'x\x1b[31mred\nline\x07';
  w.ok(w.call(b, [seq(sessionId(2)), putfh('dir'), ['CREATE', { objtype: { type: 'NF4DIR' }, objname: evil }]]), { 0: seqRes() });
  w.ok(w.cbCall(a, [cbSeq(sessionId(1)), cbNotify(stateid(1), 'dir', notifyAdd(evil, 7))]));
  w.ok(w.cbCall(a, [cbSeq(sessionId(1)), cbRecall(stateid(1), 'dir')]));
  c.finish();
  return c;
}

describe('formatDelegationsText', () => {
  it('one block per delegation, events with frames, the cause, names escaped for the terminal', () => {
    const c = scenario();
    const text = formatDelegationsText(c.delegations());
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/); // only \n and tab-free output
    expect(text).toContain('ADD_ENTRY "x\\x1b[31mred\\x0aline\\x07" cookie 7 <- CREATE by 0x0000000000000020');
    expect(text).toMatch(/^Delegation #1 {2}directory {2}stateid dd0000000000000000000001 \(seqid 1\)/m);
    expect(text).toMatch(/frame +\d+ +\+\d+\.\d{6}s +granted +GET_DIR_DELEGATION \(call frame \d+\) to 0x0000000000000010; notifications: ADD_ENTRY/);
    expect(text).toMatch(/recalled +CB_RECALL truncate=no; reply frame \d+ NFS4_OK/);
    expect(text).toContain('cause: unknown - no conflicting call');
    expect(text).toContain('! recall-unanswered: recalled, never returned before the capture ended');
  });

  it('times relative to the capture start when given', () => {
    const c = scenario();
    const text = formatDelegationsText(c.delegations(), { baseTime: c.captureStart() });
    expect(text).not.toMatch(/\+0\.000000s  granted/);
    expect(text).toMatch(/\+0\.0\d{5}s  granted/);
  });

  it('says so when there is nothing', () => {
    expect(formatDelegationsText([])).toBe('No delegations seen.\n');
  });
});

describe('JSON builders', () => {
  it('delegations as plain JSON (hex strings, no bigint), events in frame order', () => {
    const c = scenario();
    const j = delegationsToJson(c.delegations());
    const round = JSON.parse(JSON.stringify(j)) as Array<{ stateid: { other: string }; events: Array<{ kind: string; frame: number }>; problems: unknown[] }>;
    expect(round).toEqual(j);
    expect(round[0].stateid.other).toBe('dd0000000000000000000001');
    expect(round[0].events.map((e) => e.kind)).toEqual(['granted', 'notified', 'recalled']);
    const frames = round[0].events.map((e) => e.frame);
    expect([...frames].sort((x, y) => x - y)).toEqual(frames);
  });

  it('statistics as JSON and text', () => {
    const c = scenario();
    const s = c.stats();
    expect(JSON.parse(JSON.stringify(statsToJson(s)))).toEqual(statsToJson(s));
    const text = formatStatsText(s);
    expect(text).toMatch(/GET_DIR_DELEGATION +1 +0 +0 /);
    expect(text).toMatch(/CB_RECALL +1 +0 +0 /);
    expect(text).toMatch(/recall causes: unknown 1/);
    expect(text).toMatch(/problems: recall-unanswered 1/);
    expect(text).toMatch(/0x0000000000000010 +\d+ +1 +1 +0 +1/);
  });
});

describe('output in pieces', () => {
  it('text and JSON pieces join to the whole, a delegation with many notifications an event at a time', () => {
    const c = new Correlator();
    const w = new World(c);
    const a = w.conn('10.0.0.1:800');
    establish(w, a, 0x10n, sessionId(1), 'a');
    for (let d = 1; d <= 2; d++) {
      const g = w.call(a, [seq(sessionId(1)), putfh(`dir${d}`), ['GET_DIR_DELEGATION', gddArgs(mask(ADD))]]);
      w.ok(g, { 0: seqRes(), 2: gddOk(stateid(d), mask(ADD)) });
      for (let k = 0; k < 3; k++) {
        const adds = Array.from({ length: 500 }, (_, i) => notifyAdd(`d${d}-n${k}-${i}`, i));
        w.ok(w.cbCall(a, [cbSeq(sessionId(1)), cbNotify(stateid(d), `dir${d}`, ...adds)]));
      }
    }
    c.finish();
    const records = c.delegations();
    const text = [...delegationsTextPieces(records)];
    const json = [...delegationsJsonPieces(records)];
    expect(text.join('')).toBe(formatDelegationsText(records));
    expect(json.join('')).toBe(JSON.stringify(delegationsToJson(records), null, 1));
    JSON.parse(json.join(''));
    // no piece holds more than one notification's 500 entries
    for (const pieces of [text, json]) {
      const whole = pieces.join('').length;
      expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(whole / 5);
    }
  });
});

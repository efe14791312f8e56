// The page's side of the typed values (www/tag/values.js), in Node: what it encodes reads
// back as JSON.stringify would write it, and its one reused buffer never mixes two events,
// also when a value's toJSON records another event while it is being written.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode, MAX_BYTES } from '../../www/tag/values.js';

const json = (v) => JSON.parse(JSON.stringify(v));

describe('typed values', () => {
  it('read back as JSON.stringify writes them, one event after another', () => {
    const events = [
      { type: 'page_view', ts: 1, url: 'https://acme.example/pricing', dwellMs: 12000 },
      { type: 'webinar_attended', ts: 2.5, props: { webinar_id: 'live-demo-4', n: NaN, d: new Date(0), u: undefined, s: 'é☃' } },
      { type: 'identify', ts: 3, traits: { seniority: 'vp', list: [1, 'two', null, undefined, () => 1] } },
    ];
    const kept = events.map((e) => encode(e).slice());
    for (let i = 0; i < events.length; i++) assert.deepEqual(decode(kept[i]), json(events[i]));
  });

  it('a view is the last event only; a kept copy stays that event', () => {
    const a = encode({ type: 'a', ts: 1 });
    const copy = a.slice();
    encode({ type: 'b', ts: 2, props: { long: 'x'.repeat(300) } });
    assert.deepEqual(decode(copy), { type: 'a', ts: 1 });
  });

  it("an event recorded from inside another one's toJSON is encoded on its own", () => {
    let inner = null;
    const outer = { type: 'outer', ts: 1, props: { x: { toJSON() { inner = encode({ type: 'inner', ts: 2 }).slice(); return 'x'; } }, y: 'after' } };
    const bytes = encode(outer).slice();
    assert.deepEqual(decode(bytes), { type: 'outer', ts: 1, props: { x: 'x', y: 'after' } });
    assert.deepEqual(decode(inner), { type: 'inner', ts: 2 });
  });

  it('a large event does not stay as the shared buffer, and the next small one is right', () => {
    const big = { type: 'big', ts: 1, props: { s: 'y'.repeat(200_000) } };
    assert.deepEqual(decode(encode(big).slice()), big);
    assert.deepEqual(decode(encode({ type: 'small', ts: 2 }).slice()), { type: 'small', ts: 2 });
  });

  it('an event over MAX_BYTES is too_large, also when a grown buffer would hold it', () => {
    // 600 KB, then 1,150 props of 500 bytes: the buffer doubles to 1.2 MB on the way.
    const props = { a: 'z'.repeat(600_000) };
    for (let i = 0; i < 1150; i++) props[`k${i}`] = 'v'.repeat(500);
    assert.throws(() => encode({ type: 'big', ts: 1, props }), (e) => e.code === 'too_large');
    const fits = { type: 'fits', ts: 1, props: { a: 'z'.repeat(MAX_BYTES - 100) } };
    assert.equal(decode(encode(fits).slice()).props.a.length, MAX_BYTES - 100);
  });

  it('keeps a string that starts with U+FEFF as it is (text, not a byte-order mark)', () => {
    const event = { type: 'note', ts: 1, props: { n: '\uFEFFé', m: '\uFEFF' } };
    assert.deepEqual(decode(encode(event)), event);
  });
});

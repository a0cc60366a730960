// The client's table of calls waiting for a reply (lib/client/pendingCalls.ts) behaves as a Map from
// request id to call, whatever the order ids come back in and however long a call waits.
import { expect } from 'chai';
import { PendingCalls } from '../../lib/client/pendingCalls.js';
import { seededRandom } from '../codec/helpers.js';

describe('the pending calls of a client session', () => {
  it('matches a Map through random adds and removals: short calls, long waits, replies in any order', () => {
    const random = seededRandom(7);
    const table = new PendingCalls<string>();
    const model = new Map<number, string>();
    let nextId = 1;
    for (let step = 0; step < 20_000; step++) {
      const r = random();
      if (r < 0.5 || model.size === 0) {
        const id = nextId++;
        table.set(id, `call ${id}`);
        model.set(id, `call ${id}`);
      } else {
        // Mostly the oldest few (replies in order), sometimes any, and a few calls wait for ever.
        const ids = [...model.keys()];
        const pick = r < 0.9 ? ids[Math.floor(random() * Math.min(4, ids.length))] : ids[Math.floor(random() * ids.length)];
        if (pick % 997 === 0) continue; // these never get a reply
        expect(table.get(pick)).to.equal(model.get(pick));
        expect(table.delete(pick)).to.equal(true);
        model.delete(pick);
        expect(table.get(pick)).to.equal(undefined);
        expect(table.delete(pick)).to.equal(false);
      }
      expect(table.size).to.equal(model.size);
    }
    for (const [id, call] of model) expect(table.get(id)).to.equal(call);
    expect(table.values().sort()).to.deep.equal([...model.values()].sort());
    table.clear();
    expect(table.size).to.equal(0);
    expect(table.values()).to.deep.equal([]);
    expect(table.get(1)).to.equal(undefined);
  });

  it('keeps a call waiting while thousands of later ids take its place in the ring', () => {
    const table = new PendingCalls<number>();
    table.set(1, 1);
    for (let id = 2; id < 10_000; id++) {
      table.set(id, id);
      expect(table.delete(id)).to.equal(true);
    }
    expect(table.get(1)).to.equal(1);
    expect(table.size).to.equal(1);
    expect(table.delete(1)).to.equal(true);
  });

  it('finds nothing for ids no call has (0, negative, fractions, strings, objects, ids past 2^32)', () => {
    const table = new PendingCalls<string>();
    table.set(1, 'one');
    table.set(2 ** 32 + 1, 'far');
    for (const id of [0, -1, 1.5, '1', null, undefined, { valueOf: () => 1 }, [1], NaN, 2 ** 33 + 1]) expect(table.get(id)).to.equal(undefined);
    expect(table.get(1)).to.equal('one');
    expect(table.get(2 ** 32 + 1)).to.equal('far');
    expect(table.size).to.equal(2);
  });
});

// WaitOptions.accepts: a waiting getter may refuse an item (the server's getters do while their
// client leaves its replies unread); the item goes to the next getter or stays queued until
// redeliver() finds a getter that accepts it again.
import { expect } from 'chai';
import { Queue } from '../../lib/primitives/index.js';
import { stateOf } from './helpers.js';

describe('primitives/Queue: getters that refuse items (accepts, redeliver)', () => {
  it('passes a refusing getter over, keeps it waiting in its place, and hands it the next item once it accepts', async () => {
    const queue = new Queue<string>();
    let open = false;
    const offered: string[] = [];
    const picky = queue.get(true, null, { accepts: (item) => (offered.push(item as string), open) });
    const plain = queue.get();
    await queue.put('a');
    expect(await plain).to.equal('a');
    await queue.put('b'); // nobody accepts it: it is queued
    expect(queue.qsize()).to.equal(1);
    expect(await stateOf(picky)).to.equal('pending');
    queue.redeliver(); // still refused
    expect(queue.qsize()).to.equal(1);
    open = true;
    queue.redeliver();
    expect(await picky).to.equal('b');
    expect(queue.qsize()).to.equal(0);
    expect(offered).to.deep.equal(['a', 'b', 'b', 'b']);
  });

  it('unget() offers the item to the getters that accept it', async () => {
    const queue = new Queue<number>();
    const refusing = queue.get(true, null, { accepts: () => false });
    const accepting = queue.get(true, null, { accepts: () => true });
    queue.unget(7);
    expect(await accepting).to.equal(7);
    expect(await stateOf(refusing)).to.equal('pending');
    queue.unget(8);
    expect(queue.qsize()).to.equal(1);
    expect(queue.getNowait()).to.equal(8);
    const controller = new AbortController();
    const late = queue.get(true, null, { accepts: () => false, signal: controller.signal });
    controller.abort();
    expect(await stateOf(late)).to.equal('rejected');
  });
});

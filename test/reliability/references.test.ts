// Least privilege for object references (SECURITY.md, "Separating clients"): ids are random, so one
// client cannot guess another's, and with `strictReferences` a connection can reach only the objects
// it holds a reference to, whatever id it names or forges.
import { expect } from 'chai';
import { SyncManager, PermissionError, KeyError, type ListProxy } from '../../lib/index.js';
import { Codec } from '../../lib/codec/codec.js';
import { Token, type WireRef } from '../../lib/protocol.js';
import { serve, type Served } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw.js';

/** A raw client that encodes Tokens as references and decodes references as their wire form. */
class Stranger {
  private nextId = 1;
  private readonly codec = new Codec({
    toWire: (value) => (value instanceof Token ? { typeid: value.typeid, address: value.address, id: value.id } : undefined),
    fromWire: (ref: WireRef) => ref,
  });

  private constructor(readonly raw: RawClient) {}

  static async connect(served: Served<SyncManager>): Promise<Stranger> {
    return new Stranger(await RawClient.authenticated(served.address, served.authkey));
  }

  /** Sends one request and returns [kind, payload] of its reply (kind 0 = value, 1 = error). */
  async call(objectId: string | null, method: string, args: unknown[]): Promise<[number, unknown]> {
    const requestId = this.nextId++;
    this.raw.sendFrame(this.codec.encode([0, requestId, objectId, method, args, null]));
    const reply = this.codec.decode(await this.raw.readFrame()) as unknown[];
    expect(reply[1]).to.equal(requestId);
    return [reply[2] as number, reply[3]];
  }

  close(): void {
    this.raw.close();
  }
}

describe('reliability: object references', function () {
  this.timeout(30_000);

  it('object ids are random, not sequential: knowing one id tells nothing of the next', async () => {
    const served = await serve(SyncManager);
    try {
      const client = await served.client();
      const ids: number[] = [];
      for (let i = 0; i < 40; i++) ids.push(Number.parseInt((await client.list())._token.id, 16));
      expect(new Set(ids).size).to.equal(ids.length);
      for (const id of ids) expect(Number.isSafeInteger(id) && id > 0).to.equal(true);
      // Random 53-bit ids: two of 40 within 2^20 of each other has a probability below 10^-9.
      const sorted = [...ids].sort((a, b) => a - b);
      for (let i = 1; i < sorted.length; i++) expect(sorted[i] - sorted[i - 1]).to.be.greaterThan(2 ** 20);
    } finally {
      await served.close();
    }
  });

  describe('strictReferences', () => {
    let served: Served<SyncManager>;
    let owner: SyncManager;
    let secret: ListProxy<string>;
    let stranger: Stranger;
    beforeEach(async () => {
      served = await serve(SyncManager, { strictReferences: true });
      owner = await served.client();
      secret = await owner.list(['private']);
      stranger = await Stranger.connect(served);
    });
    afterEach(async () => {
      stranger.close();
      await served.close();
    });

    it('a client naming an object it was never given is refused with PermissionError', async () => {
      const id = secret._token.id;
      for (const [objectId, method, args] of [
        [id, 'append', ['stolen']],
        [id, '__getitem__', [0]],
        [null, 'incref', [id]],
        [null, 'get_methods', [id]],
      ] as const) {
        const [kind, error] = await stranger.call(objectId, method, [...args]);
        expect(kind).to.equal(1);
        expect(error).to.be.instanceOf(PermissionError);
        expect((error as Error).message).to.match(/strictReferences/);
      }
      expect(await secret._getValue()).to.deep.equal(['private']);
      // Nor does debug_info show it the ids or contents of others' objects.
      const [, info] = await stranger.call(null, 'debug_info', []);
      expect(info).to.not.include(id);
      expect(info).to.not.include('private');
      expect(await owner._debugInfo()).to.include(id);
    });

    it('a forged reference passed as an argument is refused, and nothing is stored', async () => {
      const [, mine] = await stranger.call(null, 'create', ['list', []]);
      const own = (mine as WireRef).id;
      const [kind, error] = await stranger.call(own, 'append', [new Token('list', served.address, secret._token.id)]);
      expect(kind).to.equal(1);
      expect(error).to.be.instanceOf(PermissionError);
      expect(await stranger.call(own, '__len__', [])).to.deep.equal([0, 0]);
      // Its own objects, and references it was sent, work as usual.
      const [, shared] = await stranger.call(own, 'append', [new Token('list', served.address, own)]);
      expect(shared).to.equal(null);
    });

    it('a client uses what it created, was sent in a reply, or got from a registered typeid, as usual', async () => {
      const holder = await owner.list<unknown>();
      await holder.append(secret);
      const back = (await holder.get(0)) as ListProxy<string>;
      expect(await back._getValue()).to.deep.equal(['private']);
      expect(await holder.includes(back)).to.equal(true);
      // The way clients share objects under strictReferences: the server program registers them.
      class Shared extends SyncManager {}
      const board: string[] = [];
      Shared.register('board', { callable: () => board });
      const sharing = await serve(Shared, { strictReferences: true });
      try {
        const first = (await (await sharing.client())._create('board')) as ListProxy<string>;
        const second = (await (await sharing.client())._create('board')) as ListProxy<string>;
        await first.append('from first');
        await second.append('from second');
        expect(board).to.deep.equal(['from first', 'from second']);
      } finally {
        await sharing.close();
      }
    });

    it('without strictReferences any client may name any id (the default, as CPython)', async () => {
      const open = await serve(SyncManager);
      try {
        const list = await (await open.client()).list(['shared']);
        const guest = await Stranger.connect(open);
        expect(await guest.call(list._token.id, 'append', ['guest'])).to.deep.equal([0, null]);
        expect(await list._getValue()).to.deep.equal(['shared', 'guest']);
        const [kind, error] = await guest.call('1', 'append', ['guess']);
        expect(kind).to.equal(1);
        expect(error).to.be.instanceOf(KeyError);
        guest.close();
      } finally {
        await open.close();
      }
    });
  });
});

// Waiting without polling: one subscriber connection per manager, one pub/sub channel per object
// (`<prefix>:{<id>}:ev`, published by the scripts that change what waiters wait for). Pub/sub is
// fire-and-forget, so a waiter never trusts one message: it re-runs its atomic attempt after each
// message, and at the latest every `recheckMs` (which also notices holders whose lease expired).
import createDebug from 'debug';
import type { Redis, Cluster } from 'ioredis';
import { abortErrorFor } from '../primitives/timeouts.js';

const log = createDebug('mpmanagers:redis');

interface Topic {
  refs: number;
  /** Bumped by every message: a waiter compares it across its attempt to spot a message it missed. */
  version: number;
  /** Each sleeping waiter, oldest first, with the tag of the messages it waits for (none: any). */
  wakers: Map<() => void, string | undefined>;
  ready: Promise<unknown>;
}

export class Notifier {
  private readonly topics = new Map<string, Topic>();

  constructor(private readonly subscriber: Redis | Cluster) {
    subscriber.on('message', (channel: string, message: string) => this.wake(channel, message));
  }

  /**
   * Runs `attempt` (an atomic script) until it returns something other than undefined, waiting for
   * a message on `channel` between tries. Resolves undefined once `timeout` seconds pass (null:
   * never); rejects AbortError on `signal` — between attempts only, so nothing an attempt took is lost.
   */
  async waitFor<T>(
    channel: string,
    attempt: () => Promise<T | undefined>,
    timeout: number | null,
    signal: AbortSignal | undefined,
    recheckMs: number,
    tag?: string,
  ): Promise<T | undefined> {
    if (signal?.aborted) throw abortErrorFor(signal);
    const first = await attempt();
    if (first !== undefined || timeout === 0) return first;
    const deadline = timeout === null ? Infinity : performance.now() + timeout * 1000;
    const topic = await this.subscribe(channel);
    try {
      for (;;) {
        const seen = topic.version;
        const result = await attempt();
        if (result !== undefined) return result;
        const remaining = deadline - performance.now();
        if (remaining <= 0) return undefined;
        if (topic.version === seen) await this.nextMessage(topic, Math.min(remaining, recheckMs), signal, tag);
        else if (signal?.aborted) throw abortErrorFor(signal);
      }
    } finally {
      this.unsubscribe(channel, topic);
    }
  }

  private async subscribe(channel: string): Promise<Topic> {
    let topic = this.topics.get(channel);
    if (topic === undefined) {
      topic = { refs: 0, version: 0, wakers: new Map(), ready: this.subscriber.subscribe(channel) };
      this.topics.set(channel, topic);
    }
    topic.refs++;
    try {
      await topic.ready;
    } catch (error) {
      this.unsubscribe(channel, topic);
      throw error;
    }
    return topic;
  }

  private unsubscribe(channel: string, topic: Topic): void {
    if (--topic.refs > 0) return;
    this.topics.delete(channel);
    this.subscriber.unsubscribe(channel).catch((error: unknown) => log('unsubscribe %s failed: %O', channel, error));
  }

  private nextMessage(topic: Topic, ms: number, signal: AbortSignal | undefined, tag: string | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortErrorFor(signal));
      const cleanup = (): void => {
        clearTimeout(timer);
        topic.wakers.delete(done);
        signal?.removeEventListener('abort', onAbort);
      };
      const done = (): void => {
        cleanup();
        resolve();
      };
      const onAbort = (): void => {
        cleanup();
        reject(abortErrorFor(signal!));
      };
      const timer = setTimeout(done, ms);
      topic.wakers.set(done, tag);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * `<tag>:<n>` (a queue's `put:3`: three items are there) wakes at most n waiters of that tag, the
   * oldest first, so that one put does not send every blocked getter to Redis; any other message
   * wakes every waiter. Untagged waiters wake on every message.
   */
  private wake(channel: string, message: string): void {
    const topic = this.topics.get(channel);
    if (topic === undefined) return;
    topic.version++;
    const counted = /^(\w+):(\d+)$/.exec(message);
    let budget = counted === null ? Infinity : Number(counted[2]);
    for (const [waker, tag] of [...topic.wakers]) {
      if (counted === null || tag === undefined) waker();
      else if (tag === counted[1] && budget > 0) {
        budget--;
        waker();
      }
    }
  }
}

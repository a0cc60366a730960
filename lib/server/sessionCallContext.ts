// What a method served for one request sees of its caller (CallContext, for the session's calls).
import { ConnectionClosedError } from '../errors.js';
import type { CallContext } from './callContext.js';
import type { ServerSession } from './session.js';

/** The context of one call; its AbortController is made only if the method asks for the signal. */
export class SessionCallContext implements CallContext {
  private controller: AbortController | undefined;

  constructor(
    private readonly session: ServerSession,
    private readonly requestId: number,
  ) {}

  get owner(): object {
    return this.session;
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.session.callerGone) this.controller.abort(new ConnectionClosedError('the caller disconnected'));
      else this.session.trackCancellable(this.requestId, this.controller);
    }
    return this.controller.signal;
  }

  get callerGone(): boolean {
    return this.session.callerGone;
  }

  reserveReply(bytes: number): boolean {
    return this.session.reserveReply(bytes);
  }

  releaseReply(bytes: number): void {
    this.session.releaseReply(bytes);
  }

  whenReceivable(listener: () => void): void {
    this.session.whenReceivable(listener);
  }
}

// What the server allows the call it is running right now: the most bytes one result may take (its
// maxFrameSize, so that a reply is refused before it is built) and the pool modules it may run. The
// session sets it around each synchronous dispatch, as the shared codec sets its current session;
// adapters and registered callables read it without being handed the server.
import { DEFAULT_MAX_FRAME_SIZE } from '../connection/framing.js';

export interface CallPolicy {
  /** The largest reply, in bytes, the server will build (ServerOptions.maxFrameSize). */
  readonly maxResultBytes: number;
  /** File URLs of the modules `Pool` may run (ServerOptions.poolModules). */
  readonly poolModules: ReadonlySet<string>;
}

/** Outside any call of a server: the defaults, and no pool module. */
const DEFAULT_POLICY: CallPolicy = Object.freeze({ maxResultBytes: DEFAULT_MAX_FRAME_SIZE, poolModules: new Set<string>() });

let current: CallPolicy | undefined;

/**
 * Makes `policy` the current one (the session does it around every request, without a closure):
 * returns the outer policy, to hand back to leaveCallPolicy() in a `finally`.
 */
export function enterCallPolicy(policy: CallPolicy): CallPolicy | undefined {
  const outer = current;
  current = policy;
  return outer;
}

export function leaveCallPolicy(outer: CallPolicy | undefined): void {
  current = outer;
}

/** The policy of the call being run, or the defaults. */
export function callPolicy(): CallPolicy {
  return current ?? DEFAULT_POLICY;
}

// Shared by the CPython-checked tables: one call's expected outcome, and how to check it.
import { expect } from 'chai';
import { ManagerError } from '../../lib/errors.js';

export interface PythonCase {
  init: unknown;
  method: string;
  args: unknown[];
  kwargs?: Record<string, unknown>;
  /** The value Python returned (null for None); absent when it raised. */
  result?: unknown;
  /** [error class name, message] when Python raised (OverflowError written as RangeError). */
  error?: [string, string];
  after: unknown;
}

/** Runs `call` and checks it against the row: the same value, or the same error class and message. */
export function expectPythonOutcome(row: PythonCase, call: () => unknown, toComparable = (value: unknown) => value): void {
  if (row.error === undefined) {
    expect(toComparable(call() ?? null)).to.deep.equal(row.result);
    return;
  }
  const [name, message] = row.error;
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected an error').to.be.instanceOf(ManagerError);
  expect((thrown as Error).name).to.equal(name);
  expect((thrown as Error).message).to.equal(message);
}

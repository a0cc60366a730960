// A user's module in plain JavaScript: the target of a Process and the functions of a Pool.
export async function fromChild(list, queue, lock) {
  await lock.acquire();
  try {
    await list.append('from a child');
    await queue.put(process.pid);
  } finally {
    await lock.release();
  }
}

export function square(x) {
  return x * x;
}

/** What the child was started with: the package starts it without a TypeScript loader when it needs none. */
export async function reportFlags(list) {
  await list.append(process.execArgv.join(' '));
}

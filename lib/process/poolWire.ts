// The wire names of a manager-hosted Pool and of its AsyncResults (Python's, as CPython's PoolProxy
// and AsyncResult registrations), shared by the server-side hosts and the client-side proxies.

export const POOL_EXPOSED: readonly string[] = Object.freeze([
  'apply',
  'apply_async',
  'close',
  'imap',
  'imap_unordered',
  'join',
  'map',
  'map_async',
  'starmap',
  'starmap_async',
  'terminate',
]);

/** Pool methods whose results are served as new shared objects (an AsyncResult, a live iterator). */
export const POOL_METHOD_TO_TYPEID: Readonly<Record<string, string>> = Object.freeze({
  apply_async: 'AsyncResult',
  map_async: 'AsyncResult',
  starmap_async: 'AsyncResult',
  imap: 'IMapIterator',
  imap_unordered: 'IMapIterator',
});

export const ASYNC_RESULT_EXPOSED: readonly string[] = Object.freeze(['get', 'ready', 'successful', 'wait']);

export const IMAP_ITERATOR_EXPOSED: readonly string[] = Object.freeze(['__next__', 'close']);

// The restricted pickle codec: see reader.ts (what is accepted), writer.ts (what is written) and
// values.ts (how Python values map to JavaScript ones).
export { readPickle, type PickleReadOptions } from './reader.js';
export { writePickle, writePickleTransient, inScratch, PROXY_CLASS_BY_TYPEID, type PickleWriteOptions } from './writer.js';
export { PyArray, PyByteArray, tuple, isTuple, frozenset } from './values.js';
export { readCall, type CallRequest } from './callReader.js';

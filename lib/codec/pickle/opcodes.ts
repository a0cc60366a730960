// The pickle opcodes this codec reads (protocols 2 to 5) and writes (protocol 4), as in CPython's
// Lib/pickle.py. Text-protocol opcodes (0/1), persistent ids, the copyreg extension registry and
// out-of-band buffers are deliberately absent: a pickle using them is refused.
export const enum Op {
  MARK = 0x28, // (
  STOP = 0x2e, // .
  POP = 0x30, // 0
  POP_MARK = 0x31, // 1
  DUP = 0x32, // 2
  BININT = 0x4a, // J
  BININT1 = 0x4b, // K
  BININT2 = 0x4d, // M
  NONE = 0x4e, // N
  REDUCE = 0x52, // R
  BINUNICODE = 0x58, // X
  APPEND = 0x61, // a
  BUILD = 0x62, // b
  GLOBAL = 0x63, // c
  DICT = 0x64, // d
  EMPTY_DICT = 0x7d, // }
  APPENDS = 0x65, // e
  BINGET = 0x68, // h
  LONG_BINGET = 0x6a, // j
  LIST = 0x6c, // l
  EMPTY_LIST = 0x5d, // ]
  BINPUT = 0x71, // q
  LONG_BINPUT = 0x72, // r
  SETITEM = 0x73, // s
  TUPLE = 0x74, // t
  EMPTY_TUPLE = 0x29, // )
  SETITEMS = 0x75, // u
  BINFLOAT = 0x47, // G
  BINBYTES = 0x42, // B (protocol 3)
  SHORT_BINBYTES = 0x43, // C (protocol 3)
  // protocol 2
  PROTO = 0x80,
  NEWOBJ = 0x81,
  TUPLE1 = 0x85,
  TUPLE2 = 0x86,
  TUPLE3 = 0x87,
  NEWTRUE = 0x88,
  NEWFALSE = 0x89,
  LONG1 = 0x8a,
  LONG4 = 0x8b,
  // protocol 4
  SHORT_BINUNICODE = 0x8c,
  BINUNICODE8 = 0x8d,
  BINBYTES8 = 0x8e,
  EMPTY_SET = 0x8f,
  ADDITEMS = 0x90,
  FROZENSET = 0x91,
  NEWOBJ_EX = 0x92,
  STACK_GLOBAL = 0x93,
  MEMOIZE = 0x94,
  FRAME = 0x95,
  // protocol 5
  BYTEARRAY8 = 0x96,
}

# Regenerates the CPython-checked rows of listTable.test.ts and dictTable.test.ts: runs each case
# on CPython (3.11.7 when the tables were made) and prints its outcome as one TS/JSON row.
#   python3 test/adapters/cpython_tables.py list   # rows for LIST_CASES
#   python3 test/adapters/cpython_tables.py dict   # rows for DICT_CASES
# Calls where this library deliberately differs (a bool is not an int) are left out of the lists.
import json, operator, sys

def from_json(v):
    if isinstance(v, dict) and 'slice' in v: return slice(*v['slice'])
    return v

def tup(v):
    return tuple(tup(x) for x in v) if isinstance(v, list) else v

def enc(v):
    if isinstance(v, tuple): return [enc(x) for x in v]
    if isinstance(v, list): return [enc(x) for x in v]
    if isinstance(v, dict) and all(isinstance(k, str) for k in v): return {k: enc(x) for k, x in v.items()}
    if isinstance(v, dict): return {'pairs': [[enc(k), enc(x)] for k, x in v.items()]}
    return v

def err(e):
    name = type(e).__name__
    if name == 'OverflowError': name = 'RangeError'
    msg = str(e)
    if isinstance(e, KeyError):
        a = e.args[0]
        msg = a if isinstance(a, str) and a.startswith('popitem') else repr(a)
    return [name, msg]

OPS = {'__add__': operator.add, '__mul__': operator.mul, '__rmul__': lambda l, n: n * l,
       '__contains__': operator.contains}

def run_list(init, method, args, kwargs):
    l = list(init)
    args = [from_json(a) for a in args]
    try:
        if method in OPS: r = OPS[method](l, *args)
        elif method == '__imul__': operator.imul(l, *args); r = None
        elif method == '__reversed__': r = list(reversed(l))
        else: r = getattr(l, method)(*args, **(kwargs or {}))
        return {'result': enc(r), 'after': enc(l)}
    except Exception as e:
        return {'error': err(e), 'after': enc(l)}

KEY_METHODS = {'__getitem__', '__setitem__', '__delitem__', '__contains__', 'get', 'pop', 'setdefault'}

def run_dict(init, method, args, kwargs):
    d = {tup(k): v for k, v in init}
    args = list(args)
    if method in KEY_METHODS and args: args[0] = tup(args[0])
    if method == 'update' and args and isinstance(args[0], list): args[0] = [tup(p) if isinstance(p, list) else p for p in args[0]]
    try:
        if method == '__contains__': r = args[0] in d
        elif method == '__len__': r = len(d)
        else: r = getattr(d, method)(*args, **(kwargs or {}))
        if method in ('keys', 'values', 'items'): r = list(r)
        if isinstance(r, dict): r = {'pairs': [[enc(k), enc(x)] for k, x in r.items()]}
        return {'result': enc(r), 'after': [[enc(k), enc(x)] for k, x in d.items()]}
    except Exception as e:
        return {'error': err(e), 'after': [[enc(k), enc(x)] for k, x in d.items()]}

def emit(cases, runner):
    for c in cases:
        init, method, args = c[0], c[1], c[2]
        kwargs = c[3] if len(c) > 3 else None
        out = runner(init, method, args, kwargs)
        row = {'init': init, 'method': method, 'args': args}
        if kwargs: row['kwargs'] = kwargs
        row.update(out)
        print('  ' + json.dumps(row, ensure_ascii=False) + ',')

S = lambda *a: {'slice': list(a)}
R = list(range(10))
list_cases = [
  (R, '__getitem__', [0]), (R, '__getitem__', [-1]), (R, '__getitem__', [10]), (R, '__getitem__', [-11]),
  (R, '__getitem__', ['a']), (R, '__getitem__', [1.5]), (R, '__getitem__', [None]),
  (R, '__getitem__', [S(None, None, -1)]), (R, '__getitem__', [S(-3, None, None)]), (R, '__getitem__', [S(None, -3, None)]),
  (R, '__getitem__', [S(1, 8, 3)]), (R, '__getitem__', [S(8, 1, -3)]), (R, '__getitem__', [S(-100, 100, 2)]),
  (R, '__getitem__', [S(100, -100, -2)]), (R, '__getitem__', [S(5, 2, None)]), (R, '__getitem__', [S(None, None, -2)]),
  (R, '__getitem__', [S(None, None, 0)]), (R, '__getitem__', [S('a', None, None)]), (R, '__getitem__', [S(1.5, None, None)]),
  ([1, 2, 3], '__setitem__', [0, 'x']), ([1, 2, 3], '__setitem__', [-1, 'x']), ([1, 2, 3], '__setitem__', [3, 'x']),
  ([1, 2, 3], '__setitem__', ['0', 'x']),
  (list(range(6)), '__setitem__', [S(1, 3, None), ['a', 'b', 'c', 'd']]), (list(range(6)), '__setitem__', [S(1, 3, None), []]),
  (list(range(6)), '__setitem__', [S(5, 2, None), ['x']]), (list(range(6)), '__setitem__', [S(None, None, -2), ['a', 'b', 'c']]),
  (list(range(6)), '__setitem__', [S(None, None, 2), ['a']]), (list(range(6)), '__setitem__', [S(0, 2, None), 5]),
  (list(range(6)), '__setitem__', [S(None, None, 2), 5]), (list(range(6)), '__setitem__', [S(None, None, 2), 'xyz']),
  (list(range(6)), '__setitem__', [S(None, None, 1), ['only']]),
  (list(range(6)), '__delitem__', [-1]), (list(range(6)), '__delitem__', [6]), (list(range(6)), '__delitem__', [S(None, None, 2)]),
  (list(range(6)), '__delitem__', [S(None, None, -2)]), (list(range(6)), '__delitem__', [S(-2, None, None)]),
  (list(range(6)), '__delitem__', [S(4, 1, -1)]),
  ([1, 2], '__len__', []), ([], '__len__', []),
  ([1, [2, 3], None, 'a'], '__contains__', [[2, 3]]), ([1, [2, 3], None, 'a'], '__contains__', [None]),
  ([1, [2, 3], None, 'a'], '__contains__', ['1']), ([1, True], '__contains__', [1.0]),
  ([1, 2], '__add__', [[3]]), ([1, 2], '__add__', [1]), ([1, 2], '__add__', ['ab']),
  ([1, 2], '__mul__', [2]), ([1, 2], '__mul__', [0]), ([1, 2], '__mul__', [-1]), ([1, 2], '__mul__', ['a']), ([1, 2], '__mul__', [1.5]),
  ([1, 2], '__rmul__', [3]), ([1, 2], '__imul__', [2]), ([1, 2], '__imul__', [0]), ([1, 2, 3], '__reversed__', []),
  ([1], 'append', [[2]]), ([1], 'extend', [[2, 3]]), ([1], 'extend', ['ab']), ([1], 'extend', [5]), ([1], 'extend', [{'k': 1}]),
  ([0, 1, 2], 'insert', [-10, 'a']), ([0, 1, 2], 'insert', [10, 'b']), ([0, 1, 2], 'insert', [-1, 'c']), ([0, 1, 2], 'insert', ['a', 1]),
  ([0, 1, 2], 'pop', []), ([0, 1, 2], 'pop', [0]), ([0, 1, 2], 'pop', [-3]), ([0, 1, 2], 'pop', [3]), ([], 'pop', []),
  ([0, 1], 'pop', ['a']),
  ([1, 2, 1], 'remove', [1]), ([1, 2, 1], 'remove', [3]), ([[1], [1]], 'remove', [[1]]),
  ([1, 2, 1], 'index', [1]), ([1, 2, 1], 'index', [1, 1]), ([1, 2, 1], 'index', [1, -1]), ([1, 2, 1], 'index', [2, 2]),
  ([1, 2, 1], 'index', [1, -10, 1]), ([1, 2, 1], 'index', [1, 1, -1]), ([1], 'index', ['a']), ([1], 'index', [None]),
  ([1], 'index', [[1, 'x']]), ([1], 'index', [1, 'a']),
  ([1, 2, 1, [1]], 'count', [1]), ([1, 2, 1, [1]], 'count', [[1]]), ([1, 2, 3], 'reverse', []),
  ([3, 1.5, True, 2**40, -1, 0.25], 'sort', []), ([3, 1.5, True, -1], 'sort', [], {'reverse': True}),
  (['b', 'a', 'B', 'é', 'ä', '\U0001F600', '\uffff', ''], 'sort', []),
  ([[1, 2], [1], [0, 5], [1, 1], []], 'sort', []), ([1, True, 0, False, 1, True], 'sort', []),
  ([1, True, 0, False, 1, True], 'sort', [], {'reverse': True}), ([0, False, 1], 'sort', [], {'reverse': 0}),
  ([1, 'a'], 'sort', []), (['a', 1], 'sort', []), ([None, None], 'sort', []), ([[1], {}], 'sort', []),
  ([2, 1, 'a'], 'sort', []), ([[1, 'a'], [1, 2]], 'sort', []),
  ([3, 1], 'sort', [True]), ([3, 1], 'sort', [], {'foo': 1}), ([3, 1], 'sort', [], {'reverse': 'yes'}),
  ([1, 2], 'clear', []), ([1, [2]], 'copy', []),
]
dict_cases = [
  ([['a', 1]], '__getitem__', ['a']), ([['a', 1]], '__getitem__', ['b']), ([[1, 'one']], '__getitem__', [1.0]),
  ([[None, 'none']], '__getitem__', [None]), ([[[1, 'a'], 'tuple']], '__getitem__', [[1, 'a']]),
  ([[[1, [2, 3]], 'nested']], '__getitem__', [[1, [2, 3]]]), ([['a', 1]], '__getitem__', [{}]),
  ([['a', 1]], '__setitem__', ['a', 2]), ([['a', 1]], '__setitem__', ['b', 2]), ([[[1, 2], 'x']], '__setitem__', [[1, 2], 'y']),
  ([['a', 1], ['b', 2]], '__delitem__', ['a']), ([['a', 1]], '__delitem__', ['z']),
  ([['a', 1]], '__contains__', ['a']), ([['a', 1]], '__contains__', ['A']), ([[[1, 2], 0]], '__contains__', [[1, 2]]),
  ([[[1, 2], 0]], '__contains__', [[2, 1]]), ([['a', 1], ['b', 2]], '__len__', []),
  ([['a', 1]], 'get', ['a']), ([['a', 1]], 'get', ['b']), ([['a', 1]], 'get', ['b', 0]), ([['a', 1]], 'get', ['b', None]),
  ([['b', 1], ['a', 2], [3, None]], 'keys', []), ([['b', 1], ['a', 2]], 'values', []), ([['b', 1], [[1, 2], 2]], 'items', []),
  ([['a', 1], ['b', 2]], 'pop', ['a']), ([['a', 1]], 'pop', ['z']), ([['a', 1]], 'pop', ['z', None]), ([['a', 1]], 'pop', ['z', 0]),
  ([['a', 1]], 'pop', ['z', 1, 2]),
  ([['a', 1], ['b', 2], ['c', 3]], 'popitem', []), ([], 'popitem', []),
  ([['a', 1]], 'setdefault', ['a', 5]), ([['a', 1]], 'setdefault', ['b', 5]), ([['a', 1]], 'setdefault', ['c']),
  ([['a', 1]], 'update', [{'b': 2, 'a': 0}]), ([['a', 1]], 'update', [[['c', 3], ['a', 9]]]), ([['a', 1]], 'update', [['xy', 'zw']]),
  ([['a', 1]], 'update', [[['k', 1]]], {'x': 7}), ([['a', 1]], 'update', [], {'y': 8, 'a': 2}),
  ([['a', 1]], 'update', [5]), ([['a', 1]], 'update', [None]), ([['a', 1]], 'update', [[1]]),
  ([['a', 1]], 'update', [[['b', 2], ['c', 3, 4]]]), ([['a', 1]], 'update', [{'b': 2}, 5]),
  ([['a', 1], ['b', 2]], 'clear', []), ([['a', 1], [[1, 2], [3]]], 'copy', []),
]
which = sys.argv[1]
emit(list_cases if which == 'list' else dict_cases, run_list if which == 'list' else run_dict)

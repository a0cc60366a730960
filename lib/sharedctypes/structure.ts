// ctypes' Structure: a class declares its fields (`static _fields_ = [['x', 'd'], ['y', 'd']]`) and
// each instance is a view of its bytes in shared memory, laid out as a C compiler would (each field
// aligned to its size, the whole padded to its largest alignment). Reading `p.x` reads the memory;
// writing it writes the memory, seen by every thread that shares it.
import { TypeError as PyTypeError } from '../errors.js';
import { ctypeOf, registerStructureLayout, type CType, type StructureClass } from './ctypes.js';

const kView = Symbol('mpmanagers.structure.view');
const kOffset = Symbol('mpmanagers.structure.offset');

export class Structure {
  /** `[name, typecode]` pairs, in memory order. Subclasses set it; fields are typed with `declare x: number`. */
  static readonly _fields_: readonly (readonly [string, string])[] = [];

  declare [kView]: DataView;
  declare [kOffset]: number;

  /**
   * A structure in memory of its own (not shared until it is copied into a sharedctypes Array or
   * Value): `new Point(1, 2)`, or `new Point({ x: 1, y: 2 })`.
   */
  constructor(...init: unknown[]) {
    const type = layoutOf(new.target);
    this[kView] = new DataView(new ArrayBuffer(type.size));
    this[kOffset] = 0;
    if (init.length > 0) type.write(this[kView], 0, init.length === 1 && typeof init[0] === 'object' && !Array.isArray(init[0]) ? init[0] : init);
  }

  /** The fields as a plain object. */
  toJSON(): Record<string, unknown> {
    const fields = (this.constructor as StructureClass)._fields_;
    return Object.fromEntries(fields.map(([name]) => [name, (this as unknown as Record<string, unknown>)[name]]));
  }

  toString(): string {
    const values = Object.entries(this.toJSON()).map(([name, value]) => `${name}=${String(value)}`);
    return `${this.constructor.name}(${values.join(', ')})`;
  }
}

/** A view of the structure of class `cls` at `offset` in `view`. */
export function structureView(cls: StructureClass, view: DataView, offset: number): Structure {
  layoutOf(cls);
  const instance = Object.create(cls.prototype as object) as Structure;
  instance[kView] = view;
  instance[kOffset] = offset;
  return instance;
}

interface Layout extends CType {
  readonly fields: readonly { name: string; type: CType; offset: number }[];
}

const layouts = new WeakMap<StructureClass, Layout>();

/** The layout of `cls`, worked out (and its field accessors defined) on first use. */
function layoutOf(cls: StructureClass): Layout {
  let layout = layouts.get(cls);
  if (layout !== undefined) return layout;
  if (!Array.isArray(cls._fields_) || cls._fields_.length === 0) throw new PyTypeError(`${cls.name}: a Structure needs its _fields_`);
  let offset = 0;
  let align = 1;
  const fields = cls._fields_.map(([name, spec]) => {
    if (typeof name !== 'string') throw new PyTypeError(`${cls.name}: a field name must be a string`);
    const type = ctypeOf(spec);
    offset = Math.ceil(offset / type.align) * type.align;
    const field = { name, type, offset };
    offset += type.size;
    align = Math.max(align, type.align);
    return field;
  });
  const size = Math.ceil(offset / align) * align;
  layout = {
    spec: cls,
    size,
    align,
    fields,
    read: (view, at) => structureView(cls, view, at),
    write: (view, at, value) => writeStructure(cls, fields, view, at, value),
  };
  layouts.set(cls, layout);
  for (const field of fields) {
    Object.defineProperty(cls.prototype, field.name, {
      configurable: true,
      get(this: Structure) {
        return field.type.read(this[kView], this[kOffset] + field.offset);
      },
      set(this: Structure, value: unknown) {
        field.type.write(this[kView], this[kOffset] + field.offset, value);
      },
    });
  }
  return layout;
}

/** Fills a structure from an array of field values (a Python tuple), an object of them, or another structure. */
function writeStructure(cls: StructureClass, fields: Layout['fields'], view: DataView, at: number, value: unknown): void {
  if (Array.isArray(value)) {
    if (value.length > fields.length) throw new PyTypeError(`${cls.name}: too many initializers`);
    value.forEach((item, i) => fields[i].type.write(view, at + fields[i].offset, item));
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const field of fields) if (field.name in record) field.type.write(view, at + field.offset, record[field.name]);
  } else {
    throw new PyTypeError(`${cls.name}: expected a list of field values or an object, not ${typeof value}`);
  }
}

registerStructureLayout(layoutOf);

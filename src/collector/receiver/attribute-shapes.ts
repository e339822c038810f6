// A span's attributes built as one object literal when their keys repeat a known shape.
//
// Why: an object given its keys one by one (`attrs[key] = value`) turns into a hash table
// (dictionary mode) past a dozen keys, and a GenAI span carries twenty or more. Building that
// table (it grows and is copied three or four times) was the largest allocation of the
// collector's path, about 2.9 kB a span of 14.7 (a heap profile that counts what the scavenges
// freed). Instrumentations send the same keys in the same order span after span, so once a
// sequence of keys has been seen twice a small function returning an object literal with those
// keys is compiled for it: one allocation, with named slots (about 200 bytes for 22 keys), and
// the normalizers' reads become slot loads instead of hash probes.
//
// The keys are written into the generated code with JSON.stringify (a valid string literal for
// any string), never as code; `__proto__` (which a literal would take as the prototype) and
// repeated keys keep the key-by-key path. Shapes are bounded in count and size, so a client
// sending ever-new keys costs a map of sightings at most, never unbounded code.
import {
  noteWireType,
  setAttribute,
  type AttrValue,
  type Attributes,
  type WireType,
} from '../span.js';

/** Fewer keys than this stay a fast object when set one by one: nothing to gain. */
const MIN_KEYS = 10;
const MAX_KEYS = 128;
const MAX_KEY_CHARS = 256;
/** Sightings of a key sequence before it is compiled (a one-off sequence is never compiled). */
const SIGHTINGS = 2;
const MAX_SHAPES = 64;
const MAX_PENDING = 1024;

type Build = (values: AttrValue[]) => Attributes;

interface Shape {
  keys: readonly string[];
  /** Undefined for a sequence a literal would not reproduce (kept so it is judged once). */
  build: Build | undefined;
}

/** The attributes of the span being read (one span at a time: spans do not nest). */
const keys: string[] = [];
const values: AttrValue[] = [];
const wires: (WireType | undefined)[] = [];
let count = 0;

const shapes: Shape[] = [];
let last: Shape | undefined;
let replace = 0;
let compiled = 0;
const pending = new Map<string, number>();

/** Start collecting the attributes of a new span. */
export function beginSpanAttributes(): void {
  count = 0;
}

/**
 * The key the previous span had at the current span's next place: instrumentations send the same
 * keys in the same order, so the reader checks the bytes against it before hashing them.
 */
export function predictedKey(): string | undefined {
  return keys[count];
}

/** One decoded KeyValue of the current span (an empty key is dropped by the caller). */
export function collectAttribute(key: string, value: AttrValue, wire: WireType | undefined): void {
  keys[count] = key;
  values[count] = value;
  wires[count] = wire;
  count += 1;
}

/** The current span's attributes object: what setting them one by one would have made. */
export function finishSpanAttributes(): Attributes {
  const build = count >= MIN_KEYS ? shapeOfCurrent()?.build : undefined;
  let attrs: Attributes;
  if (build !== undefined) attrs = build(values);
  else {
    attrs = {};
    for (let i = 0; i < count; i += 1)
      setAttribute(attrs, keys[i] as string, values[i] as AttrValue);
  }
  for (let i = 0; i < count; i += 1) {
    const wire = wires[i];
    if (wire !== undefined) noteWireType(attrs, keys[i] as string, wire);
    values[i] = null; // hold no value of this request past it
  }
  count = 0;
  return attrs;
}

function matches(shape: Shape): boolean {
  const known = shape.keys;
  if (known.length !== count) return false;
  for (let i = 0; i < count; i += 1) if (known[i] !== keys[i]) return false;
  return true;
}

function shapeOfCurrent(): Shape | undefined {
  if (last !== undefined && matches(last)) return last;
  for (const shape of shapes)
    if (matches(shape)) {
      last = shape;
      return shape;
    }
  if (count > MAX_KEYS) return undefined;
  const current = keys.slice(0, count);
  const signature = current.join('\u0000');
  const seen = (pending.get(signature) ?? 0) + 1;
  if (seen < SIGHTINGS) {
    if (pending.size >= MAX_PENDING) pending.clear();
    pending.set(signature, seen);
    return undefined;
  }
  pending.delete(signature);
  const shape = { keys: current, build: compile(current) };
  if (shape.build !== undefined) compiled += 1;
  if (shapes.length < MAX_SHAPES) shapes.push(shape);
  else {
    shapes[replace] = shape;
    replace = (replace + 1) % MAX_SHAPES;
  }
  last = shape;
  return shape;
}

/** An object-literal builder for these keys, or undefined when a literal would differ. */
function compile(shapeKeys: readonly string[]): Build | undefined {
  if (new Set(shapeKeys).size !== shapeKeys.length) return undefined;
  if (shapeKeys.some((k) => k === '__proto__' || k.length > MAX_KEY_CHARS)) return undefined;
  const fields = shapeKeys.map((k, i) => `${JSON.stringify(k)}: v[${i}]`).join(',\n');
  return new Function('v', `'use strict';\nreturn {\n${fields}\n};`) as Build;
}

/** Shapes compiled since the process started, replaced ones included (tests). */
export function shapeCount(): number {
  return compiled;
}

/**
 * @fileoverview JSON Schemas (2020-12, as OpenAPI 3.1 uses them) inferred from many samples: types
 * merged, a property required when every sample has it, formats when every sample has one
 * (date-time, date, email, uuid, uri, ipv4), enums for small closed sets of short values that hold no
 * personal data (checked with the redactor). No sample value is copied otherwise.
 */
import { detect } from '@synapse-ai/redact';

export interface JsonSchema {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  description?: string;
  example?: unknown;
  additionalProperties?: boolean | JsonSchema;
  [k: string]: unknown;
}

/** What many samples of one place in a document showed. */
export class Shape {
  count = 0;
  readonly types = new Set<string>();
  readonly strings = new Map<string, number>();
  /** Distinct strings stop being counted past this (no enum then). */
  private tooMany = false;
  formats: Set<string> | undefined;
  props: Map<string, Shape> | undefined;
  objects = 0;
  items: Shape | undefined;

  add(value: unknown): void {
    this.count++;
    if (value === null) {
      this.types.add('null');
      return;
    }
    if (Array.isArray(value)) {
      this.types.add('array');
      this.items ??= new Shape();
      for (const v of value) this.items.add(v);
      return;
    }
    switch (typeof value) {
      case 'boolean':
        this.types.add('boolean');
        return;
      case 'number':
        this.types.add(Number.isInteger(value) ? 'integer' : 'number');
        return;
      case 'string': {
        this.types.add('string');
        const f = formatOf(value);
        if (this.formats === undefined) this.formats = new Set(f);
        else for (const x of this.formats) if (!f.includes(x)) this.formats.delete(x);
        if (!this.tooMany) {
          this.strings.set(value, (this.strings.get(value) ?? 0) + 1);
          if (this.strings.size > ENUM_MAX) {
            this.tooMany = true;
            this.strings.clear();
          }
        }
        return;
      }
      case 'object': {
        this.types.add('object');
        this.objects++;
        this.props ??= new Map();
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          let p = this.props.get(k);
          if (!p) this.props.set(k, (p = new Shape()));
          p.add(v);
        }
        return;
      }
    }
  }

  toSchema(): JsonSchema {
    const types = [...this.types];
    // integer and number together are numbers
    const merged = types.includes('number') ? types.filter((t) => t !== 'integer') : types;
    const order = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'];
    merged.sort((a, b) => order.indexOf(a) - order.indexOf(b));
    const s: JsonSchema = {};
    if (merged.length === 1) s.type = merged[0]!;
    else if (merged.length > 1) s.type = merged;
    if (this.types.has('object') && this.props) {
      s.properties = {};
      const required: string[] = [];
      for (const [k, p] of this.props) {
        s.properties[k] = p.toSchema();
        if (p.count === this.objects) required.push(k);
      }
      if (required.length > 0) s.required = required;
    }
    if (this.types.has('array')) s.items = this.items ? this.items.toSchema() : {};
    if (this.types.has('string')) {
      const format = this.formats ? FORMAT_ORDER.find((f) => this.formats!.has(f)) : undefined;
      if (format) s.format = format;
      else if (this.enumWorthy()) s.enum = [...this.strings.keys()].sort();
    }
    return s;
  }

  /** A small closed set: few distinct short values, each seen again, none of them personal data. */
  private enumWorthy(): boolean {
    const n = this.strings.size;
    const strings = [...this.strings.values()].reduce((a, b) => a + b, 0);
    if (this.tooMany || n < 2 || n > ENUM_MAX || strings < Math.max(8, n * 3)) return false;
    for (const v of this.strings.keys()) if (v.length > 32 || /\d{3}/.test(v) || detect(v).length > 0) return false;
    return true;
  }
}

const ENUM_MAX = 8;
const FORMAT_ORDER = ['date-time', 'date', 'uuid', 'email', 'ipv4', 'uri'];

function formatOf(v: string): string[] {
  const out: string[] = [];
  if (/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})$/.test(v)) out.push('date-time');
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) out.push('date');
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(v)) out.push('uuid');
  if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) out.push('email');
  if (/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(v)) out.push('ipv4');
  if (/^https?:\/\/[^\s]+$/.test(v)) out.push('uri');
  return out;
}

/** The JSON type names a value has, for comparing with a schema's `type`. */
export function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

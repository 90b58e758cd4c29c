/**
 * @fileoverview JSON Schema compilation (ajv, strict, allErrors) and the rewrite of ajv's errors into
 * sentences that say where, what was given and what is expected.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

export type JsonSchema = Record<string, unknown> | boolean;

/** Schema keywords that only annotate (for generators and docs); ajv ignores them. */
export const ANNOTATION_KEYWORDS = ['x-wso2', 'x-fix', 'x-secret'] as const;

function createAjv(useDefaults: boolean): Ajv {
  const ajv = new Ajv({ strict: true, allErrors: true, useDefaults, allowUnionTypes: true });
  for (const keyword of ANNOTATION_KEYWORDS) ajv.addKeyword({ keyword, schemaType: ['string', 'object', 'boolean'] });
  return ajv;
}

/** Options schemas fill in defaults; payload schemas never change the payload. */
const optionsAjv = createAjv(true);
const payloadAjv = createAjv(false);
/** Schemas operators write in configuration (guard, validate-output…): any valid JSON Schema, not strict-mode clean. */
const configuredAjv = new Ajv({ strict: false, allErrors: true, allowUnionTypes: true, validateSchema: true });

/**
 * Compiles a JSON Schema given in a policy's options. Lenient about style (unlisted `required`
 * members, unknown keywords), strict about validity.
 * @throws {Error} saying why the schema is not a valid JSON Schema.
 */
export function compileConfiguredSchema<T = unknown>(schema: JsonSchema): CompiledSchema<T> {
  return { schema, validate: configuredAjv.compile<T>(schema as object) };
}

export interface CompiledSchema<T = unknown> {
  readonly schema: JsonSchema;
  readonly validate: ValidateFunction<T>;
}

export function compileSchema<T>(schema: JsonSchema, kind: 'options' | 'payload'): CompiledSchema<T> {
  const ajv = kind === 'options' ? optionsAjv : payloadAjv;
  return { schema, validate: ajv.compile<T>(schema as object) };
}

/** `/a/b/0` → `a.b[0]`, with `root` for the whole value. */
export function pointerToPath(pointer: string, root: string): string {
  if (pointer === '') return root;
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = root === '' ? '' : root;
  for (const part of parts) {
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(data: unknown, pointer: string): unknown {
  if (pointer === '') return data;
  let cur: unknown = data;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/**
 * One sentence per ajv error: `server.port must be <= 65535 (got 70000)`. `root` names the value
 * (`options`, `body`, or '' for a config file whose fields are named from the top).
 * `redact` hides the given value (for payloads, whose content must not reach logs or messages).
 */
export function describeErrors(
  errors: readonly ErrorObject[] | null | undefined,
  data: unknown,
  root: string,
  redact = false,
): string[] {
  return [...new Set(explainErrors(errors, data, root, redact).map((p) => p.message))];
}

/** A schema violation: the dotted path of the value and a sentence about it. */
export interface SchemaProblem {
  path: string;
  message: string;
}

/** Like {@link describeErrors}, keeping the path of each problem apart (for fix hints keyed by path). */
export function explainErrors(
  errors: readonly ErrorObject[] | null | undefined,
  data: unknown,
  root: string,
  redact = false,
): SchemaProblem[] {
  if (!errors) return [];
  const out: SchemaProblem[] = [];
  for (const e of errors) {
    let where = pointerToPath(e.instancePath, root);
    let what: string;
    const p = e.params as Record<string, unknown>;
    if (e.keyword === 'propertyNames') continue; // the error about the name itself says it better
    if (e.propertyName !== undefined) {
      const rule =
        e.keyword === 'pattern'
          ? `match the pattern ${String(p.pattern)}`
          : (e.message ?? e.keyword).replace(/^must /, '');
      out.push({
        path: where,
        message: `${where === '' ? 'the value' : where} has a key ${JSON.stringify(e.propertyName)} that must ${rule}`,
      });
      continue;
    }
    switch (e.keyword) {
      case 'required':
        where = pointerToPath(
          `${e.instancePath}/${String(p.missingProperty).replace(/~/g, '~0').replace(/\//g, '~1')}`,
          root,
        );
        out.push({ path: where, message: `${where} is required` });
        continue;
      case 'additionalProperties': {
        const extra = String(p.additionalProperty);
        const at = pointerToPath(`${e.instancePath}/${extra.replace(/~/g, '~0').replace(/\//g, '~1')}`, root);
        out.push({
          path: at,
          message: `${at} is not a known setting (check the spelling; remove it if it is not needed)`,
        });
        continue;
      }
      case 'type':
        what = `must be ${/^[aeiou]/.test(String(p.type)) ? 'an' : 'a'} ${String(p.type)}`;
        break;
      case 'enum':
        what = `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'const':
        what = `must be ${JSON.stringify(p.allowedValue)}`;
        break;
      case 'pattern':
        what = `must match the pattern ${String(p.pattern)}`;
        break;
      default:
        what = e.message ?? `fails ${e.keyword}`;
    }
    const subject = where === '' ? 'the value' : where;
    out.push({
      path: where,
      message: redact ? `${subject} ${what}` : `${subject} ${what} (got ${show(valueAt(data, e.instancePath))})`,
    });
  }
  return out;
}

/** Freezes a value and everything reachable from it (validated options and config never change). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

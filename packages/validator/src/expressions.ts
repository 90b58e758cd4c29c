/**
 * @fileoverview Syntax checks for the three expression languages of Synapse configurations:
 * XPath 1.0 (with Synapse's `$ctx:`/`$trp:`… variables), JSONPath (`json-eval(…)`, `evaluator="json"`)
 * and MI 4.4 Synapse expressions (`${…}`). Each returns the first problem with its offset in the
 * expression, or undefined when the expression parses.
 */

export interface ExpressionProblem {
  message: string;
  offset: number;
}

// ---- XPath 1.0 ---------------------------------------------------------------------------------

type Tok = { t: 'num' | 'str' | 'name' | 'var' | 'op' | 'eof'; v: string; at: number };

const NCNAME = /[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*/y;
const OPS = [
  '//',
  '::',
  '..',
  '!=',
  '<=',
  '>=',
  '(',
  ')',
  '[',
  ']',
  '.',
  '@',
  ',',
  '|',
  '+',
  '-',
  '=',
  '<',
  '>',
  '/',
  '*',
];

function tokenize(src: string): Tok[] | ExpressionProblem {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end === -1) return { message: `the string starting here is not closed (missing ${c})`, offset: i };
      out.push({ t: 'str', v: src.slice(i + 1, end), at: i });
      i = end + 1;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /[0-9]*\.?[0-9]+|[0-9]+\.?/y;
      m.lastIndex = i;
      const r = m.exec(src)!;
      out.push({ t: 'num', v: r[0], at: i });
      i += r[0].length;
      continue;
    }
    if (c === '$') {
      // $name, $prefix:name (Synapse: $ctx:x, $trp:x, $axis2:x, $func:x, $url:x, $body, $header)
      NCNAME.lastIndex = i + 1;
      const a = NCNAME.exec(src);
      if (!a) return { message: "'$' must start a variable name", offset: i };
      let v = a[0];
      let j = i + 1 + v.length;
      if (src[j] === ':' && src[j + 1] !== ':') {
        NCNAME.lastIndex = j + 1;
        const b = NCNAME.exec(src);
        if (!b) return { message: `the variable $${v}: needs a name after the colon`, offset: j };
        v += `:${b[0]}`;
        j += 1 + b[0].length;
      }
      out.push({ t: 'var', v, at: i });
      i = j;
      continue;
    }
    NCNAME.lastIndex = i;
    const n = NCNAME.exec(src);
    if (n) {
      let v = n[0];
      let j = i + v.length;
      // QName prefix:local, or prefix:* (but not the axis separator ::)
      if (src[j] === ':' && src[j + 1] !== ':') {
        if (src[j + 1] === '*') {
          v += ':*';
          j += 2;
        } else {
          NCNAME.lastIndex = j + 1;
          const b = NCNAME.exec(src);
          if (b) {
            v += `:${b[0]}`;
            j += 1 + b[0].length;
          }
        }
      }
      // A name cannot end with '.' or '-' in practice; give back trailing dots (e.g. "a..").
      out.push({ t: 'name', v, at: i });
      i = j;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) return { message: `unexpected character '${c}'`, offset: i };
    out.push({ t: 'op', v: op, at: i });
    i += op.length;
  }
  out.push({ t: 'eof', v: '', at: src.length });
  return out;
}

const OPERATOR_NAMES = new Set(['and', 'or', 'div', 'mod']);
const NODE_TYPES = new Set(['node', 'text', 'comment', 'processing-instruction']);
const AXES = new Set([
  'ancestor',
  'ancestor-or-self',
  'attribute',
  'child',
  'descendant',
  'descendant-or-self',
  'following',
  'following-sibling',
  'namespace',
  'parent',
  'preceding',
  'preceding-sibling',
  'self',
]);

class XPathParser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}
  private peek(k = 0): Tok {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }
  private next(): Tok {
    return this.toks[this.i++]!;
  }
  private isOp(v: string, k = 0): boolean {
    const t = this.peek(k);
    return t.t === 'op' && t.v === v;
  }
  private expect(v: string): void {
    const t = this.next();
    if (t.t !== 'op' || t.v !== v)
      throw fail(`expected '${v}'${t.t === 'eof' ? ' before the end' : ` but found '${t.v}'`}`, t.at);
  }
  parse(): void {
    if (this.peek().t === 'eof') throw fail('the expression is empty', 0);
    this.orExpr();
    const t = this.peek();
    if (t.t !== 'eof') throw fail(`unexpected '${t.v}' after a complete expression`, t.at);
  }
  private binary(ops: string[], sub: () => void): void {
    sub();
    for (;;) {
      const t = this.peek();
      const isWordOp = t.t === 'name' && ops.includes(t.v) && this.i > 0;
      if ((t.t === 'op' && ops.includes(t.v) && !(t.v === '*' && !this.afterOperand())) || isWordOp) {
        this.next();
        if (this.peek().t === 'eof') throw fail(`'${t.v}' needs an operand after it`, t.at);
        sub();
      } else return;
    }
  }
  private afterOperand(): boolean {
    const prev = this.toks[this.i - 1];
    if (!prev) return false;
    if (prev.t === 'op') return [')', ']', '.', '..', '*'].includes(prev.v);
    return true;
  }
  private orExpr(): void {
    this.binary(['or'], () => this.binary(['and'], () => this.equality()));
  }
  private equality(): void {
    this.binary(['=', '!='], () => this.binary(['<', '<=', '>', '>='], () => this.additive()));
  }
  private additive(): void {
    this.binary(['+', '-'], () => this.binary(['*', 'div', 'mod'], () => this.unary()));
  }
  private unary(): void {
    while (this.isOp('-')) this.next();
    this.binary(['|'], () => this.pathExpr());
  }
  private pathExpr(): void {
    const t = this.peek();
    const isFilterStart =
      t.t === 'var' ||
      t.t === 'str' ||
      t.t === 'num' ||
      (t.t === 'op' && t.v === '(') ||
      (t.t === 'name' && this.isOp('(', 1) && !NODE_TYPES.has(t.v));
    if (isFilterStart) {
      this.primary();
      while (this.isOp('[')) this.predicate();
      if (this.isOp('/') || this.isOp('//')) {
        this.next();
        this.relativePath();
      }
      return;
    }
    if (this.isOp('/')) {
      this.next();
      if (this.startsStep()) this.relativePath();
      return;
    }
    if (this.isOp('//')) {
      this.next();
      this.relativePath();
      return;
    }
    this.relativePath();
  }
  private startsStep(): boolean {
    const t = this.peek();
    return t.t === 'name' || (t.t === 'op' && ['.', '..', '@', '*'].includes(t.v));
  }
  private relativePath(): void {
    this.step();
    while (this.isOp('/') || this.isOp('//')) {
      this.next();
      this.step();
    }
  }
  private step(): void {
    const t = this.peek();
    if (this.isOp('.') || this.isOp('..')) {
      this.next();
      return;
    }
    if (this.isOp('@')) this.next();
    else if (t.t === 'name' && this.isOp('::', 1)) {
      if (!AXES.has(t.v)) throw fail(`${t.v} is not an XPath axis`, t.at);
      this.next();
      this.next();
    }
    const n = this.next();
    if (n.t === 'op' && n.v === '*') {
      /* any element */
    } else if (n.t === 'name') {
      if (NODE_TYPES.has(n.v) && this.isOp('(')) {
        this.next();
        if (n.v === 'processing-instruction' && this.peek().t === 'str') this.next();
        this.expect(')');
      }
    } else {
      throw fail(n.t === 'eof' ? 'the path ends where a step is expected' : `'${n.v}' cannot start a step`, n.at);
    }
    while (this.isOp('[')) this.predicate();
  }
  private predicate(): void {
    this.expect('[');
    if (this.isOp(']')) throw fail('a predicate cannot be empty', this.peek().at);
    this.orExpr();
    this.expect(']');
  }
  private primary(): void {
    const t = this.next();
    if (t.t === 'var' || t.t === 'str' || t.t === 'num') return;
    if (t.t === 'op' && t.v === '(') {
      this.orExpr();
      this.expect(')');
      return;
    }
    if (t.t === 'name') {
      if (OPERATOR_NAMES.has(t.v) && !this.isOp('(')) throw fail(`'${t.v}' is an operator here`, t.at);
      this.expect('(');
      if (!this.isOp(')')) {
        this.orExpr();
        while (this.isOp(',')) {
          this.next();
          this.orExpr();
        }
      }
      this.expect(')');
      return;
    }
    throw fail(`unexpected '${t.v}'`, t.at);
  }
}

class Fail {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}
function fail(message: string, offset: number): Fail {
  return new Fail(message, offset);
}

/** Checks an XPath 1.0 expression as Synapse evaluates it. */
export function checkXPath(src: string): ExpressionProblem | undefined {
  const toks = tokenize(src);
  if (!Array.isArray(toks)) return toks;
  try {
    new XPathParser(toks).parse();
    return undefined;
  } catch (e) {
    if (e instanceof Fail) return { message: e.message, offset: e.offset };
    throw e;
  }
}

// ---- JSONPath ----------------------------------------------------------------------------------

/** Checks a JSONPath (Jayway syntax, as Synapse's json-eval uses). */
export function checkJsonPath(src: string): ExpressionProblem | undefined {
  const trimmed = src.trim();
  if (trimmed === '') return { message: 'the JSONPath is empty', offset: 0 };
  // Jayway reads a path that does not start with '$' or '@' as one under the root ($.)
  const rooted = trimmed[0] === '$' || trimmed[0] === '@';
  const s = rooted ? trimmed : `$.${trimmed}`;
  const lead = src.indexOf(trimmed) - (rooted ? 0 : 2);
  /** Where the property name at `at` ends (past a function call's `()`), or what is wrong with it. */
  const nameEnd = (at: number): number | ExpressionProblem => {
    const m = /[^.[\]\s()]+/y;
    m.lastIndex = at;
    const r = m.exec(s);
    if (!r) return { message: "a name is expected after '.'", offset: lead + at };
    const after = at + r[0].length;
    if (/^\s/.test(s.slice(after)) && after < s.trimEnd().length) {
      return { message: "a name holds a blank: use bracket notation ['my name']", offset: lead + after };
    }
    // a function call at the end: .length(), .min()
    return s.startsWith('()', after) ? after + 2 : after;
  };
  let i = 1;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '.') {
      const deep = s[i + 1] === '.';
      i += deep ? 2 : 1;
      if (i >= s.length) {
        // Jayway takes a trailing '.' but not a trailing '..'
        if (deep) return { message: "a JSONPath must not end with '..'", offset: lead + i - 2 };
        break;
      }
      if (s[i] === '*') {
        i++;
        continue;
      }
      if (s[i] === '[') continue;
      const end = nameEnd(i);
      if (typeof end !== 'number') return end;
      i = end;
      continue;
    }
    if (c === '[') {
      let depth = 0;
      let j = i;
      let quote: string | null = null;
      for (; j < s.length; j++) {
        const d = s[j]!;
        if (quote) {
          if (d === '\\') j++;
          else if (d === quote) quote = null;
        } else if (d === "'" || d === '"') quote = d;
        else if (d === '[') depth++;
        else if (d === ']' && --depth === 0) break;
      }
      if (j >= s.length) return { message: "'[' is not closed", offset: lead + i };
      const inner = s.slice(i + 1, j).trim();
      if (inner === '') return { message: 'empty brackets', offset: lead + i };
      const ok =
        inner === '*' ||
        /^-?\d+$/.test(inner) ||
        /^-?\d*:-?\d*(:-?\d+)?$/.test(inner) ||
        /^-?\d+(\s*,\s*-?\d+)+$/.test(inner) ||
        /^('([^'\\]|\\.)*'|"([^"\\]|\\.)*")(\s*,\s*('([^'\\]|\\.)*'|"([^"\\]|\\.)*"))*$/.test(inner) ||
        /^\?\s*\(.*\)$/s.test(inner) ||
        /^\(.*\)$/s.test(inner);
      if (!ok) return { message: `[${inner}] is not an index, slice, name or filter`, offset: lead + i };
      i = j + 1;
      // Jayway reads a name straight after ']' (spo[0]name) as the next property
      if (i < s.length && /[^.[\]\s()]/.test(s[i]!)) {
        const end = nameEnd(i);
        if (typeof end !== 'number') return end;
        i = end;
      }
      continue;
    }
    return { message: `unexpected '${c}'`, offset: lead + i };
  }
  return undefined;
}

// ---- Synapse expressions (MI 4.4) ------------------------------------------------------------

/**
 * Names a Synapse expression may start with, besides names after `.` (the grammar's lexer: its
 * keywords, functions, literals and the JSONPath filter words).
 */
const EXPRESSION_WORDS = new Set([
  'vars',
  'payload',
  'headers',
  'configs',
  'params',
  'props',
  'properties',
  'and',
  'or',
  'true',
  'false',
  'null',
  'in',
  'nin',
  'subsetof',
  'anyof',
  'noneof',
  'size',
  'empty',
  'property',
  'length',
  'toUpper',
  'toLower',
  'subString',
  'startsWith',
  'endsWith',
  'contains',
  'trim',
  'replace',
  'split',
  'indexOf',
  'now',
  'formatDateTime',
  'charAt',
  'abs',
  'ceil',
  'floor',
  'sqrt',
  'log',
  'pow',
  'base64encode',
  'base64decode',
  'urlEncode',
  'urlDecode',
  'isString',
  'isNumber',
  'isArray',
  'isObject',
  'string',
  'float',
  'boolean',
  'integer',
  'round',
  'exists',
  'xpath',
  'wso2-vault',
  'hashicorp-vault',
  'not',
  'registry',
  'object',
  'array',
]);

/** A name in `${…}` that is neither a keyword nor reached through `.`: the engine refuses it ("Invalid expression"). */
function unknownName(body: string): { message: string; offset: number } | undefined {
  const re = /'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z_0-9-]*|\d+(?:\.\d+)?|\S/g;
  let prev = '';
  for (const m of body.matchAll(re)) {
    const t = m[0];
    if (/^[A-Za-z_]/.test(t) && prev !== '.' && prev !== '..' && prev !== '@' && !EXPRESSION_WORDS.has(t)) {
      const hint = t === 'var' ? ' (variables are vars.name)' : '';
      return { message: `'${t}' is not a name a Synapse expression knows${hint}`, offset: m.index };
    }
    prev = t === '.' && prev === '.' ? '..' : t;
  }
  return undefined;
}

/** Checks the `${…}` parts of a value: closed, not empty, brackets and quotes balanced, names known. */
export function checkSynapseExpressions(src: string, options: { names?: boolean } = {}): ExpressionProblem | undefined {
  let i = src.indexOf('${');
  while (i !== -1) {
    let quote: string | null = null;
    let j = i + 2;
    const stack: string[] = [];
    for (; j < src.length; j++) {
      const d = src[j]!;
      if (quote) {
        if (d === '\\') j++;
        else if (d === quote) quote = null;
        continue;
      }
      if (d === "'" || d === '"') quote = d;
      else if (d === '(' || d === '[' || d === '{') stack.push(d);
      else if (d === ')' || d === ']') {
        const open = stack.pop();
        if (open !== (d === ')' ? '(' : '[')) return { message: `'${d}' does not close anything`, offset: j };
      } else if (d === '}') {
        if (stack.length === 0) break;
        if (stack.pop() !== '{') return { message: "'}' closes the wrong bracket", offset: j };
      }
    }
    if (quote) return { message: `the string in \${…} is not closed (missing ${quote})`, offset: i };
    if (j >= src.length) return { message: "'${' is not closed with '}'", offset: i };
    if (stack.length > 0) return { message: `'${stack[stack.length - 1]}' is not closed inside \${…}`, offset: i };
    if (src.slice(i + 2, j).trim() === '') return { message: '${} is empty', offset: i };
    const unknown = options.names === false ? undefined : unknownName(src.slice(i + 2, j));
    if (unknown) return { message: unknown.message, offset: i + 2 + unknown.offset };
    i = src.indexOf('${', j + 1);
  }
  return undefined;
}

/** Which language an expression attribute holds, as Synapse decides it. */
export function checkExpression(value: string, evaluator?: string): ExpressionProblem | undefined {
  const v = value.trim();
  if (v.includes('${')) return checkSynapseExpressions(value);
  if (evaluator === 'json') {
    // a property of the message context first ($ctx:, $trp:, $axis2:): the path is applied to its value
    if (/^\s*\$(ctx|trp|axis2|func):/.test(value)) return undefined;
    return checkJsonPath(value.trim().startsWith('json-eval(') ? value.trim().slice(10, -1) : value);
  }
  const je = /^json-eval\(([\s\S]*)\)$/.exec(v);
  // json-eval({$ctx:name}): the path is read from a property at run time
  if (je && /^\s*\{/.test(je[1]!)) return undefined;
  if (je) {
    // json-eval($ctx:prop.path) reads a property; a quoted path is taken as the path.
    const inner = je[1]!
      .replace(/^\s*'([\s\S]*)'\s*$/, ' $1 ')
      .replace(/^(\s*)\$(ctx|axis2|trp|func):[\w.-]*?(?=\.|\[|\s*$)/, '$1$$');
    const r = checkJsonPath(inner);
    return r ? { message: r.message, offset: r.offset + value.indexOf('(') + 1 } : undefined;
  }
  return checkXPath(value);
}

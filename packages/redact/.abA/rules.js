"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.compileRule = compileRule;
/**
 * @fileoverview Field rules: JSONPath for JSON (`$.user.email`, `$..password`, `$.items[*].card`,
 * `$["first name"]`) and simple XPath for XML (`/order/customer/email`, `//password`, `//@token`,
 * `/a/*\/b`). A rule applies to the value at its path and everything below it.
 */
const errors_1 = require("./errors");
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const KEY_SAFE = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const SEGMENT = '(?:\\.[^.\\[]+|\\[(?:\\d+|"(?:[^"\\\\]|\\\\.)*")\\])';
function keySegment(key) {
    return KEY_SAFE.test(key) ? esc(`.${key}`) : esc(`[${JSON.stringify(key)}]`);
}
function compileJsonPath(path) {
    if (!path.startsWith('$'))
        throw new errors_1.RedactError('REDACT_CONFIG', `JSONPath rule ${JSON.stringify(path)} must start with $`);
    let re = '^\\$';
    let i = 1;
    while (i < path.length) {
        if (path.startsWith('..', i)) {
            re += `${SEGMENT}*?`;
            i += 1; // the next '.' starts the key segment
            continue;
        }
        const c = path[i];
        if (c === '.') {
            const m = /^\.([^.[\]]+)/.exec(path.slice(i));
            if (!m)
                throw new errors_1.RedactError('REDACT_CONFIG', `JSONPath rule ${JSON.stringify(path)}: expected a key after '.'`);
            re += m[1] === '*' ? SEGMENT : keySegment(m[1]);
            i += m[0].length;
        }
        else if (c === '[') {
            const m = /^\[(\*|\d+|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]/.exec(path.slice(i));
            if (!m)
                throw new errors_1.RedactError('REDACT_CONFIG', `JSONPath rule ${JSON.stringify(path)}: unsupported selector at ${i} (use [*], [n] or ['key'])`);
            if (m[1] === '*')
                re += SEGMENT;
            else if (/^\d+$/.test(m[1]))
                re += esc(`[${m[1]}]`);
            else
                re += keySegment(m[2] ?? m[3]);
            i += m[0].length;
        }
        else {
            throw new errors_1.RedactError('REDACT_CONFIG', `JSONPath rule ${JSON.stringify(path)}: unexpected ${JSON.stringify(c)} at ${i}`);
        }
    }
    return new RegExp(`${re}(?:$|[.[])`);
}
function compileXPath(path) {
    if (!path.startsWith('/'))
        throw new errors_1.RedactError('REDACT_CONFIG', `XPath rule ${JSON.stringify(path)} must start with / or //`);
    const parts = path.split('/');
    let re = '^';
    for (let i = 1; i < parts.length; i++) {
        const part = parts[i];
        if (part === '') {
            if (i === parts.length - 1)
                throw new errors_1.RedactError('REDACT_CONFIG', `XPath rule ${JSON.stringify(path)} ends with /`);
            re += '(?:/[^/]+)*?';
            continue;
        }
        const attr = part.startsWith('@');
        const name = (attr ? part.slice(1) : part).replace(/^[^:]+:/, '');
        if (!/^(\*|[\p{L}_][\p{L}\p{N}_.-]*)$/u.test(name))
            throw new errors_1.RedactError('REDACT_CONFIG', `XPath rule ${JSON.stringify(path)}: unsupported step ${JSON.stringify(part)}`);
        re += `/${attr ? '@' : ''}${name === '*' ? '[^/@][^/]*' : esc(name)}`;
    }
    return new RegExp(`${re}(?:$|/)`, 'u');
}
function compileRule(rule, dialect) {
    const re = dialect === 'jsonpath' ? compileJsonPath(rule.path) : compileXPath(rule.path);
    return { ...rule, matches: (p) => re.test(p) };
}
//# sourceMappingURL=rules.js.map
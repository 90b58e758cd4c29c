"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.PseudonymVault = exports.TOKEN_RE = void 0;
exports.redactWithPseudonyms = redactWithPseudonyms;
exports.restore = restore;
/**
 * @fileoverview Reversible, consistent pseudonyms. `<EMAIL_1>` stands for the same value throughout a
 * scope (a tenant's conversation), so a model sees consistent placeholders and the response flow can
 * put the real values back. Values are stored encrypted (AES-256-GCM) with a TTL; the lookup key of a
 * value is an HMAC, never the value.
 */
const node_crypto_1 = require("node:crypto");
const json_xml_1 = require("@synapse-ai/json-xml");
const redact_1 = require("./redact");
exports.TOKEN_RE = /<([A-Z][A-Z0-9]*(?:_[A-Z][A-Z0-9]*)*)_(\d{1,9})>/g;
class PseudonymVault {
    store;
    encKey;
    macKey;
    ttlMs;
    constructor(store, options) {
        this.store = store;
        if (!options.secret || options.secret.length < 16)
            throw new Error('the pseudonym vault needs a secret of at least 16 characters');
        this.encKey = (0, node_crypto_1.createHash)('sha256').update(`enc\u0000${options.secret}`).digest();
        this.macKey = (0, node_crypto_1.createHash)('sha256').update(`mac\u0000${options.secret}`).digest();
        this.ttlMs = options.ttlMs ?? 3_600_000;
    }
    scopeId(scope) {
        return (0, node_crypto_1.createHmac)('sha256', this.macKey).update(scope).digest('hex').slice(0, 24);
    }
    encrypt(value) {
        const iv = (0, node_crypto_1.randomBytes)(12);
        const cipher = (0, node_crypto_1.createCipheriv)('aes-256-gcm', this.encKey, iv);
        const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
        return Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64');
    }
    decrypt(blob) {
        try {
            const raw = Buffer.from(blob, 'base64');
            const decipher = (0, node_crypto_1.createDecipheriv)('aes-256-gcm', this.encKey, raw.subarray(0, 12));
            decipher.setAuthTag(raw.subarray(12, 28));
            return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
        }
        catch {
            return undefined;
        }
    }
    /** The pseudonym of each (type, value) in `scope`, creating new ones as needed. */
    async tokensFor(scope, items) {
        const sid = this.scopeId(scope);
        const out = [];
        for (const { type, value } of items) {
            const fwdKey = `pii:fwd:${sid}:${(0, node_crypto_1.createHmac)('sha256', this.macKey).update(`${type}\u0000${value}`).digest('hex').slice(0, 32)}`;
            let token = await this.store.get(fwdKey);
            if (!token) {
                const n = await this.store.incr(`pii:ctr:${sid}:${type}`, 1, this.ttlMs);
                token = `<${type}_${n}>`;
                await this.store.set(`pii:rev:${sid}:${token}`, this.encrypt(value), this.ttlMs);
                await this.store.set(fwdKey, token, this.ttlMs);
            }
            out.push(token);
        }
        return out;
    }
    /** The real value behind each token in `scope` (undefined when unknown or expired). */
    async valuesFor(scope, tokens) {
        const sid = this.scopeId(scope);
        return Promise.all(tokens.map(async (t) => {
            const blob = await this.store.get(`pii:rev:${sid}:${t}`);
            return blob === undefined ? undefined : this.decrypt(blob);
        }));
    }
}
exports.PseudonymVault = PseudonymVault;
/**
 * Redacts with pseudonyms: one pass collects the values to pseudonymize, the vault gives their tokens,
 * a second pass writes them.
 */
async function redactWithPseudonyms(body, opts, vault, scope) {
    const wanted = new Map();
    const first = (0, redact_1.redact)(body, {
        ...opts,
        pseudonyms: (type, value) => {
            wanted.set(`${type}\u0000${value}`, { type, value });
            return `<${type}_0>`;
        },
    });
    if (wanted.size === 0)
        return first;
    const items = [...wanted.values()];
    const tokens = await vault.tokensFor(scope, items);
    const map = new Map(items.map((it, i) => [`${it.type}\u0000${it.value}`, tokens[i]]));
    return (0, redact_1.redact)(body, { ...opts, pseudonyms: (type, value) => map.get(`${type}\u0000${value}`) ?? `<${type}>` });
}
/** Replaces tokens in text (and, structurally, in JSON documents held in strings). */
function replaceTokens(text, values, json) {
    return text.replace(exports.TOKEN_RE, (token) => {
        const v = values.get(token);
        if (v === undefined)
            return token;
        // inside JSON text, the value must be escaped as a JSON string's content
        return json ? JSON.stringify(v).slice(1, -1) : v;
    });
}
/**
 * Puts real values back for the tokens in a body, in any string: plain JSON values, JSON documents
 * nested in strings (LLM tool-call arguments), XML text and attributes, plain text.
 */
async function restore(body, contentType, vault, scope) {
    const tokens = [...new Set(body.match(exports.TOKEN_RE) ?? [])];
    // JSON strings may carry tokens with escaped brackets (\u003c): decode those too
    const escaped = [...new Set(body.match(/\\u003[cC]([A-Z][A-Z0-9_]*_\d{1,9})\\u003[eE]/g) ?? [])].map((e) => `<${e.slice(6, -6)}>`);
    const all = [...new Set([...tokens, ...escaped])];
    if (all.length === 0)
        return { body, restored: 0, unknown: 0 };
    const values = await vault.valuesFor(scope, all);
    const map = new Map();
    all.forEach((t, i) => {
        if (values[i] !== undefined)
            map.set(t, values[i]);
    });
    const mt = contentType.split(';')[0].trim().toLowerCase();
    const isJson = mt === 'application/json' || mt.endsWith('+json');
    const isXml = mt === 'application/xml' || mt === 'text/xml' || mt.endsWith('+xml');
    let out;
    if (isJson) {
        out = restoreJson(body, map);
    }
    else if (isXml) {
        out = body.replace(/&lt;([A-Z][A-Z0-9_]*_\d{1,9})&gt;/g, (m, inner) => {
            const v = map.get(`<${inner}>`);
            return v === undefined
                ? m
                : v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
        });
        out = out.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_m, inner) => `<![CDATA[${replaceTokens(inner, map, false).replace(/\]\]>/g, ']]]]><![CDATA[>')}]]>`);
    }
    else {
        out = replaceTokens(body, map, false);
    }
    return { body: out, restored: map.size, unknown: all.length - map.size };
}
/** Walks JSON string tokens; each string is decoded, restored (recursively when it holds JSON) and re-encoded. */
function restoreJson(text, values) {
    return text.replace(/"(?:[^"\\]|\\.)*"/g, (raw) => {
        if (!raw.includes('<') && !/\\u003[cC]/.test(raw))
            return raw;
        const decoded = JSON.parse(raw);
        const trimmed = decoded.trim();
        const nested = (trimmed.startsWith('{') || trimmed.startsWith('[')) && (0, json_xml_1.isValidJson)(trimmed);
        const restored = nested ? restoreJson(decoded, values) : replaceTokens(decoded, values, false);
        return restored === decoded ? raw : JSON.stringify(restored);
    });
}
//# sourceMappingURL=vault.js.map
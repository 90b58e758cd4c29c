'use strict';
/**
 * @fileoverview Local ESLint rules that keep the package graph of ARCHITECTURE.md intact:
 * `synapse-ai/package-boundaries` (internal arrows, no reaching into another package's files,
 * restricted third-party packages) and `synapse-ai/declared-dependencies` (every bare import is
 * declared in the importing package's package.json).
 */
const { builtinModules } = require('node:module');
const fs = require('node:fs');
const path = require('node:path');
const GRAPH = require('./package-graph');

const ROOT = path.resolve(__dirname, '../..');
const builtins = new Set(builtinModules);

/** `packages/<name>/…` → name, else undefined. */
function packageOf(filename) {
  const rel = path.relative(path.join(ROOT, 'packages'), filename);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep)[0];
}

function isTestFile(filename) {
  return /[\\/]__tests__[\\/]|\.test\.ts$/.test(filename);
}

/** Calls `check(node, specifier, typeOnly)` for every import, export-from, dynamic import and require. */
function visitSpecifiers(check) {
  const literal = (node, src, typeOnly) => {
    if (src && src.type === 'Literal' && typeof src.value === 'string') check(node, src.value, typeOnly);
  };
  return {
    ImportDeclaration: (n) =>
      literal(
        n,
        n.source,
        n.importKind === 'type' || (n.specifiers.length > 0 && n.specifiers.every((s) => s.importKind === 'type')),
      ),
    ExportNamedDeclaration: (n) => literal(n, n.source, n.exportKind === 'type'),
    ExportAllDeclaration: (n) => literal(n, n.source, n.exportKind === 'type'),
    ImportExpression: (n) => literal(n, n.source, false),
    TSImportType: (n) => literal(n, n.argument && n.argument.literal ? n.argument.literal : n.argument, true),
    CallExpression: (n) => {
      if (n.callee.type === 'Identifier' && n.callee.name === 'require' && n.arguments.length === 1)
        literal(n, n.arguments[0], false);
    },
  };
}

const packageBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Keep imports to the package arrows of ARCHITECTURE.md' },
    schema: [],
    messages: {
      forbidden:
        "Package '{{from}}' may not import '@synapse-ai/{{to}}' (allowed: {{allowed}}). See the package table in ARCHITECTURE.md.",
      typeOnly: "Package '{{from}}' may import '@synapse-ai/{{to}}' for types only: use `import type`.",
      self: "Import '{{to}}' through a relative path inside its own package, not as '@synapse-ai/{{to}}'.",
      reach:
        "'{{specifier}}' reaches outside package '{{from}}'. Import the other package by its name (@synapse-ai/...).",
      restricted: "'{{specifier}}' may be used only in {{where}} (e.g. policies never import express).",
    },
  },
  create(context) {
    const filename = context.filename ?? context.getFilename();
    const from = packageOf(filename);
    if (!from || !GRAPH[from]) return {};
    const allowed = GRAPH[from];
    return visitSpecifiers((node, specifier, typeOnly) => {
      const m = /^@synapse-ai\/([a-z-]+)/.exec(specifier);
      if (m) {
        const to = m[1];
        if (to === from) {
          if (!isTestFile(filename)) context.report({ node, messageId: 'self', data: { to } });
          return;
        }
        const kind = allowed[to];
        if (!kind) {
          context.report({
            node,
            messageId: 'forbidden',
            data: { from, to, allowed: Object.keys(allowed).join(', ') || 'no internal package' },
          });
        } else if (kind === 'typeOnly' && !typeOnly) {
          context.report({ node, messageId: 'typeOnly', data: { from, to } });
        }
        return;
      }
      if (specifier.startsWith('.')) {
        const target = path.resolve(path.dirname(filename), specifier);
        if (packageOf(target) !== from) context.report({ node, messageId: 'reach', data: { specifier, from } });
        return;
      }
      const bare = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
      const where = GRAPH.RESTRICTED[bare];
      if (where && !where.includes(from))
        context.report({ node, messageId: 'restricted', data: { specifier: bare, where: where.join(', ') } });
    });
  },
};

const manifests = new Map();
function depsOf(dir) {
  if (!manifests.has(dir)) {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    manifests.set(
      dir,
      new Set([
        ...Object.keys(pkg.dependencies ?? {}),
        ...Object.keys(pkg.peerDependencies ?? {}),
        ...Object.keys(pkg.optionalDependencies ?? {}),
      ]),
    );
  }
  return manifests.get(dir);
}

const declaredDependencies = {
  meta: {
    type: 'problem',
    docs: { description: "Every bare import is declared in the importing package's package.json" },
    schema: [],
    messages: {
      undeclared:
        "'{{name}}' is imported by package '{{from}}' but not declared in packages/{{from}}/package.json dependencies.",
    },
  },
  create(context) {
    const filename = context.filename ?? context.getFilename();
    const from = packageOf(filename);
    if (!from || isTestFile(filename)) return {};
    const dir = path.join(ROOT, 'packages', from);
    if (!fs.existsSync(path.join(dir, 'package.json'))) return {};
    return visitSpecifiers((node, specifier, typeOnly) => {
      if (specifier.startsWith('.') || specifier.startsWith('node:') || path.isAbsolute(specifier)) return;
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
      if (builtins.has(name)) return;
      if (typeOnly && name.startsWith('@types/')) return;
      if (!depsOf(dir).has(name)) context.report({ node, messageId: 'undeclared', data: { name, from } });
    });
  },
};

module.exports = {
  meta: { name: 'synapse-ai' },
  rules: { 'package-boundaries': packageBoundaries, 'declared-dependencies': declaredDependencies },
};

'use strict';
/**
 * The package arrows of ARCHITECTURE.md: which internal packages each package may import.
 * `typeOnly` packages may be imported with `import type` only. Arrows never point back.
 */
module.exports = {
  'json-xml': {},
  redact: { 'json-xml': 'full' },
  lifecycle: { redact: 'full' },
  llm: { sdk: 'typeOnly' },
  sdk: { 'json-xml': 'full' },
  policies: { sdk: 'full', redact: 'full', 'json-xml': 'full', llm: 'full' },
  synapse: { sdk: 'full' },
  validator: { synapse: 'full', 'json-xml': 'full' },
  sidecar: {
    'json-xml': 'full',
    redact: 'full',
    llm: 'full',
    sdk: 'full',
    policies: 'full',
    synapse: 'full',
    lifecycle: 'full',
  },
  cli: {
    'json-xml': 'full',
    redact: 'full',
    llm: 'full',
    sdk: 'full',
    policies: 'full',
    synapse: 'full',
    validator: 'full',
    sidecar: 'full',
    lifecycle: 'full',
  },
};

/** Third-party packages only some packages may use. */
module.exports.RESTRICTED = {
  express: ['sidecar'],
};

/**
 * @fileoverview `echo`: returns the message unchanged. Proves the gateway → sidecar path end to end
 * and serves as the baseline in benchmarks.
 */
import { definePolicy, proceed } from '@synapse-ai/sdk';

export default definePolicy({
  meta: {
    name: 'echo',
    version: '1.0.0',
    description: 'Returns the payload unchanged (connectivity check and benchmark baseline).',
    flows: ['request', 'response', 'fault'],
    stage: 'observe',
    priority: 0,
  },
  handler() {
    return proceed();
  },
});

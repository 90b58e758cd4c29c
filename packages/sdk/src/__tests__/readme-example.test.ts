// The policy shown in the README, kept compiling and passing here.
import { block, definePolicy, proceed } from '..';
import { PolicyTester } from '../tester';

const maxItems = definePolicy({
  meta: {
    name: 'max-items',
    version: '1.0.0',
    description: 'Refuses orders with too many items.',
    flows: ['request'],
    stage: 'guard',
    priority: 900,
  },
  options: {
    type: 'object',
    properties: { max: { type: 'integer', minimum: 1, default: 100 } },
    additionalProperties: false,
  },
  input: {
    type: 'object',
    required: ['items'],
    properties: { items: { type: 'array' } },
  },
  handler(message, ctx) {
    if (message.payload.value.items.length > ctx.options.max) {
      return block('SAI_ERR_POLICY_BLOCKED', 'The order has too many items.', { logDetail: { max: ctx.options.max } });
    }
    return proceed();
  },
});

PolicyTester.run(maxItems, {
  valid: [{ name: 'small order', body: { items: [1] }, decision: 'allow' }],
  invalid: [
    { name: 'too many', options: { max: 1 }, body: { items: [1, 2] }, error: { code: 'SAI_ERR_POLICY_BLOCKED' } },
  ],
});

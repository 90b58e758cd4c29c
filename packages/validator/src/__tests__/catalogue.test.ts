/** The catalogue agrees with the MI 4.4 schema it is derived from, and covers its vocabulary. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { childSpec, isConnectorOperation, isMediator, mediatorSpec, MEDIATOR_NAMES, rootSpec } from '../catalogue';

const ROOT = join(__dirname, '../../../..');
const XSD = join(ROOT, '../shared/synapse-xsd');
const present = existsSync(join(XSD, 'sequence.xsd'));
if (!present && process.env.CI) throw new Error(`${XSD} is missing: CI must have ../shared beside the clone`);

(present ? it : it.skip)(
  `is exactly what the extraction from ../shared/synapse-xsd gives (no drift either way)${present ? '' : ' — not run: ../shared is not beside this clone (README: "The shared folder and other prerequisites")'}`,
  () => {
    expect(() =>
      execFileSync(process.execPath, [join(ROOT, 'scripts/catalogue/extract-mediators.mjs'), XSD, '--check'], {
        stdio: 'pipe',
      }),
    ).not.toThrow();
  },
);

describe('catalogue', () => {
  it('knows the MI 4.4 mediators, including the newest ones', () => {
    for (const m of [
      'log',
      'property',
      'variable',
      'call',
      'respond',
      'payloadFactory',
      'throwError',
      'scatter-gather',
      'foreach',
      'ai.chat',
    ]) {
      expect(isMediator(m)).toBe(true);
      expect(mediatorSpec(m)).toBeDefined();
    }
    expect(MEDIATOR_NAMES.length).toBeGreaterThan(55);
    expect(isMediator('redact')).toBe(false);
  });

  it('has each mediator’s attributes and allowed values', () => {
    expect(mediatorSpec('log')?.attributes?.level?.values).toEqual(['simple', 'headers', 'full', 'custom']);
    expect(mediatorSpec('call')?.attributes?.blocking?.values).toEqual(['true', 'false']);
    expect(mediatorSpec('class')?.attributes?.name?.required).toBe(true);
    expect(rootSpec('sequence')?.attributes?.name?.required).toBe(true);
  });

  it('knows which children a parent takes', () => {
    const filter = mediatorSpec('filter')!;
    expect(childSpec(filter, 'then')).toMatchObject({ mediators: true });
    expect(childSpec(filter, 'args')).toBeUndefined();
    expect(childSpec(rootSpec('sequence')!, 'log')).toBe('mediator');
    expect(childSpec(rootSpec('sequence')!, 'http.get')).toBe('mediator');
  });

  it('tells connector operations apart', () => {
    expect(isConnectorOperation('http.get')).toBe(true);
    expect(isConnectorOperation('kafkaTransport.publishMessages')).toBe(true);
    expect(isConnectorOperation('log')).toBe(false);
  });
});

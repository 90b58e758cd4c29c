/**
 * @fileoverview The built-in policies, in one registry. Each lives in its own folder with a README,
 * fixtures and tests; a meta-test checks that every folder is listed here.
 */
import type { Policy } from '@synapse-ai/sdk';
import addContext from './add-context';
import anomaly from './anomaly';
import echo from './echo';
import enrich from './enrich';
import explainFault from './explain-fault';
import guard from './guard';
import jsonToXml from './json-to-xml';
import map from './map';
import prompt from './prompt';
import rateAdvice from './rate-advice';
import redactPii, { redactPiiWith } from './redact-pii';
import restorePii from './restore-pii';
import riskScore from './risk-score';
import summarize from './summarize';
import supportTriage from './support-triage';
import validateOutput from './validate-output';
import xmlToJson from './xml-to-json';

export {
  addContext,
  echo,
  explainFault,
  guard,
  jsonToXml,
  rateAdvice,
  redactPii,
  redactPiiWith,
  restorePii,
  validateOutput,
  xmlToJson,
};

/** Every built-in policy, by name. */
export const builtinPolicies: readonly Policy[] = Object.freeze([
  echo,
  addContext,
  jsonToXml,
  xmlToJson,
  redactPii,
  restorePii,
  guard,
  validateOutput,
  explainFault,
  summarize,
  enrich,
  prompt,
  riskScore,
  rateAdvice,
  anomaly,
  map,
  supportTriage,
]);
export { applyMapping, checkMapping, type Mapping } from './map';

/**
 * @fileoverview Every rule, by id. Each lives in its own folder with a README and valid/invalid
 * fixtures; a meta-test checks the folders and this list agree.
 */
import type { Rule } from '../types';
import { rule as apimNoSend } from './apim-no-send';
import { rule as attributeValue } from './attribute-value';
import { rule as callTimeout } from './call-timeout';
import { rule as duplicateName } from './duplicate-name';
import { rule as expressionSyntax } from './expression-syntax';
import { rule as j2Attributes } from './j2-attributes';
import { rule as mediatorConfig } from './mediator-config';
import { rule as j2NoEnvSubstitution } from './j2-no-env-substitution';
import { rule as j2NoProlog } from './j2-no-prolog';
import { rule as nameMatchesFile } from './name-matches-file';
import { rule as noHardcodedSecrets } from './no-hardcoded-secrets';
import { rule as noPayloadLogging } from './no-payload-logging';
import { rule as policySpec } from './policy-spec';
import { rule as propertyScope } from './property-scope';
import { rule as referenceResolves } from './reference-resolves';
import { rule as requiredAttribute } from './required-attribute';
import { rule as restUrlPostfix } from './rest-url-postfix';
import { rule as shadowedAttribute } from './shadowed-attribute';
import { rule as sidecarPolicyExists } from './sidecar-policy-exists';
import { rule as synapseNamespace } from './synapse-namespace';
import { rule as systemVarWholeValue } from './system-var-whole-value';
import { rule as unexpectedElement } from './unexpected-element';
import { rule as unknownAttribute } from './unknown-attribute';
import { rule as unknownMediator } from './unknown-mediator';
import { rule as wellFormed } from './well-formed';

export const RULES: readonly Rule[] = Object.freeze([
  wellFormed,
  synapseNamespace,
  unknownMediator,
  unexpectedElement,
  requiredAttribute,
  attributeValue,
  unknownAttribute,
  propertyScope,
  expressionSyntax,
  mediatorConfig,
  shadowedAttribute,
  systemVarWholeValue,
  apimNoSend,
  j2NoProlog,
  j2Attributes,
  j2NoEnvSubstitution,
  policySpec,
  callTimeout,
  noHardcodedSecrets,
  noPayloadLogging,
  restUrlPostfix,
  referenceResolves,
  nameMatchesFile,
  duplicateName,
  sidecarPolicyExists,
]);

export const RULES_BY_ID: ReadonlyMap<string, Rule> = new Map(RULES.map((r) => [r.meta.id, r]));

/**
 * @fileoverview API lifecycle tools: specs from traffic, drift, documentation drafts, tags, initial
 * quotas, the developer-portal assistant and analytics questions.
 */
export * from './traffic';
export * from './schema';
export * from './infer';
export * from './drift';
export * from './enrich';
export * from './assistant';
export * from './analytics';
export * from './model';

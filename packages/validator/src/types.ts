/**
 * @fileoverview The rule contract (ESLint's shape: metadata plus a `check` that reports through
 * its context) and the one diagnostic type every formatter reads.
 */
import type { Position, SynDocument, XAttribute, XElement } from './document';

export type Severity = 'error' | 'warning' | 'info';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];
export const SEVERITY_RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

export interface Diagnostic {
  ruleId: string;
  severity: Severity;
  message: string;
  /** How to fix it. */
  hint: string;
  file: string;
  line: number;
  column: number;
}

export interface RuleMeta {
  /** kebab-case, the same as the rule's folder. */
  id: string;
  severity: Severity;
  /** One sentence: what the rule checks. */
  description: string;
  /** The default fix hint (a report may give a more specific one). */
  hint: string;
  /** Which documents the rule reads: Synapse XML, `.j2` policy templates, or both. */
  appliesTo: ReadonlyArray<'synapse' | 'j2'>;
}

/** Everything validated in one run: rules that look across files (references, duplicates) read it. */
export interface Project {
  documents: readonly SynDocument[];
  /** Policy and pipeline names the sidecar serves (`--sidecar-catalog`), when given. */
  sidecarPolicies?: ReadonlySet<string>;
}

export interface Report {
  at: XElement | XAttribute | Position;
  message: string;
  hint?: string;
  /** Overrides the rule's severity for this report (e.g. a connector operation is a warning). */
  severity?: Severity;
}

export interface RuleContext {
  doc: SynDocument;
  project: Project;
  report(r: Report): void;
}

export interface Rule {
  meta: RuleMeta;
  check(ctx: RuleContext): void;
}

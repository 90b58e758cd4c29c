export interface FieldRule {
    path: string;
    /** `redact`: always, whatever is found; `never`: leave it; `scan`: detect as usual. */
    action: 'redact' | 'never' | 'scan';
    /** The type reported (and the operator used) for `redact` (default `REDACTED`). */
    type?: string;
}
export interface CompiledRule extends FieldRule {
    matches(path: string): boolean;
}
export declare function compileRule(rule: FieldRule, dialect: 'jsonpath' | 'xpath'): CompiledRule;
//# sourceMappingURL=rules.d.ts.map
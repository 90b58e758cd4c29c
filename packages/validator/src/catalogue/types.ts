/** The shape of a catalogue entry: what an element may carry. */
export interface AttributeSpec {
  required?: boolean;
  /** Allowed values, when the schema enumerates them. */
  values?: readonly string[];
}

export interface ElementSpec {
  /** A named complex type in `TYPES` that describes this element. */
  $type?: string;
  /** A top-level element in `ELEMENTS` that this child is. */
  $ref?: string;
  attributes?: Record<string, AttributeSpec>;
  anyAttribute?: boolean;
  children?: Record<string, ElementSpec>;
  /** Named groups in `GROUPS` whose children are allowed too. */
  groups?: readonly string[];
  /** Any mediator may be a child. */
  mediators?: boolean;
  /** Any element may be a child (xs:any, or elements of other namespaces). */
  any?: boolean;
  /** Text content is allowed. */
  text?: boolean;
  /** Allowed text values, when the schema enumerates them. */
  values?: readonly string[];
}

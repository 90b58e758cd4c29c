/**
 * @fileoverview `@synapse-ai/synapse`: the typed model of the Synapse subset synapse-ai emits, its
 * XML writer, and the generators for API Manager 4.1+, Micro Integrator 4.x and API Manager 3.x.
 */
export * from './xml';
export * from './model';
export * from './sources';
export * from './sidecarCall';
export * from './generate';
export * from './zip';
export * from './xsd';
export * from './engine';

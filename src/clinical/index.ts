// src/clinical: the one home of Tidemark's clinical knowledge. Pure data and tiny pure functions, no
// dependencies: engines, FHIR mapping, the app, the sandbox, CDS Hooks and the population run read it.
export * from './systems.ts';
export * from './instruments.ts';
export * from './analytes.ts';
export * from './medications.ts';
export * from './courses.ts';
export * from './safety.ts';
export * from './safety-view.ts';
export * from './codes.ts';
export * from './voice.ts';

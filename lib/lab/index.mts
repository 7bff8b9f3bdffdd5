// ESM entry of static-py/lab: the same objects as the CommonJS one.
import cjs from './index.js';

export const moduleState: typeof cjs.moduleState = cjs.moduleState;
export const lab: typeof cjs.lab = cjs.lab;
export const repro: typeof cjs.repro = cjs.repro;
export const LabUsageError: typeof cjs.LabUsageError = cjs.LabUsageError;
export type {
  LabBuildReport, LabOptions, LabReport, LabResult, ModuleState, ReproOptions, ReproReport, ReproResult, Verdict, VerdictSentence,
} from './index.js';

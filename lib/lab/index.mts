// ESM entry of static-py/lab: the same objects as the CommonJS one.
import cjs from './index.js';

export const moduleState: typeof cjs.moduleState = cjs.moduleState;
export type { ModuleState } from './index.js';

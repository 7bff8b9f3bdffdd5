// ESM entry: the same objects as the CommonJS entry (one native binding per
// environment, whichever way it is imported).
import cjs from './index.js';

export const python: typeof cjs.python = cjs.python;
export const Interpreter: typeof cjs.Interpreter = cjs.Interpreter;
export type Interpreter = InstanceType<typeof cjs.Interpreter>;
export const PyObject: typeof cjs.PyObject = cjs.PyObject;
export type PyObject = InstanceType<typeof cjs.PyObject>;
export const PythonError: typeof cjs.PythonError = cjs.PythonError;
export type PythonError = InstanceType<typeof cjs.PythonError>;
export type { BuildInfo, ConfigureOptions, InterpreterOptions, ResolvedInterpreterOptions, ImportByInitFuncOptions, LoaderSettings, PyModuleInfo, Python, PythonVersion, StaticModule } from './index.js';

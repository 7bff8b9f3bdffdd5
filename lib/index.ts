/**
 * static-py: embed a real CPython build in Node.js and import Python
 * extension modules that are statically linked into the addon.
 *
 * @example
 * import { python } from 'static-py';
 * python.main.call('math.hypot', 3, 4); // 5
 */
export { python } from './python.js';
export type { ConfigureOptions, LoaderSettings, StaticModule, Python } from './python.js';
export { Interpreter } from './interpreter.js';
export type { ImportByInitFuncOptions, PyModuleInfo } from './interpreter.js';
export { PyObject } from './pyobject.js';
export { PythonError } from './errors.js';
export type { BuildInfo, PythonVersion } from './binding.js';
export type { InterpreterOptions, ResolvedInterpreterOptions } from './interpreter-options.js';

export { REQUEST_ENUMS } from '../generated/enums.js';
export type { RequestEnumsOf } from './task-schemas.js';
export { requestEnums, TASK_SCHEMAS } from './task-schemas.js';

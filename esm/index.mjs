// ESM entry point: the CommonJS build's exports, as named exports (and the default).
import api from '../dist/index.js';

export default api;
export * from '../dist/index.js';

export * from './server';
export * from './faults';
export * from './request-log';
export * from './rate-limit';
export * from './state-store';
export * from './admin';
export * from './admin-client';
export * from './ids';

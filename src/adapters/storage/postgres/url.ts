import { maskUrlPassword } from '../../../core/secrets.js';

/** The database URL with its password replaced by `****`, safe to print and log (see core/secrets.ts). */
export const maskDatabaseUrl: (url: string) => string = maskUrlPassword;

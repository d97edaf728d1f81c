import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { GovError, isGovError, type ErrorCode } from '../core/errors.js';

/** The one place error codes become HTTP statuses. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  GOV_VALIDATION: 400,
  GOV_MALFORMED_JSON: 400,
  GOV_UNSUPPORTED_MEDIA_TYPE: 415,
  GOV_PAYLOAD_TOO_LARGE: 413,
  GOV_NOT_FOUND: 404,
  GOV_CONFLICT: 409,
  GOV_AUTH_REQUIRED: 401,
  GOV_AUTH_INVALID: 401,
  GOV_FORBIDDEN: 403,
  GOV_NOT_READY: 503,
  GOV_SHUTTING_DOWN: 503,
  GOV_INTERNAL: 500,
  GOV_CONFIG_INVALID: 500,
  GOV_CONFIG_FILE: 500,
  GOV_DATA_DIR_LOCKED: 500,
  GOV_DB_UNAVAILABLE: 503,
  GOV_DB_MIGRATION: 500,
  GOV_AUDIT_CHAIN_BROKEN: 500,
  GOV_PRICE_SOURCE_THROTTLED: 503,
  GOV_PRICE_SOURCE_UNAVAILABLE: 502,
  GOV_PRICE_SOURCE_AUTH: 502,
  GOV_CATALOG_UNAVAILABLE: 500,
  GOV_INGEST_REJECTED: 400,
  GOV_INGEST_BACKPRESSURE: 503,
  GOV_UPGRADE_REQUIRED: 426,
  GOV_PROVIDER_NOT_FOUND: 404,
  GOV_PROVIDER_QUOTA_EXCEEDED: 409,
  GOV_PROVIDER_CAPACITY_UNAVAILABLE: 409,
  GOV_PROVIDER_THROTTLED: 503,
  GOV_PROVIDER_AUTH_FAILED: 502,
  GOV_PROVIDER_INVALID_REQUEST: 422,
  GOV_PROVIDER_UNAVAILABLE: 502,
  GOV_PROVIDER_TIMEOUT: 504,
  GOV_ACTIONS_PAUSED: 409,
  GOV_GUARDRAIL_BLOCKED: 409,
  GOV_CREDENTIAL_UNREADABLE: 500,
  GOV_FORECAST_NOT_FOUND: 404,
};

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown; requestId?: string };
}

/** Fastify's own error codes for bad requests, mapped onto ours. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'GOV_MALFORMED_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'GOV_MALFORMED_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'GOV_VALIDATION',
  FST_ERR_CTP_BODY_TOO_LARGE: 'GOV_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'GOV_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_TYPE: 'GOV_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_BAD_URL: 'GOV_VALIDATION',
  FST_ERR_ASYNC_CONSTRAINT: 'GOV_VALIDATION',
};

/** Turn anything thrown in a request into a GovError. Unknown errors become GOV_INTERNAL without their text. */
export function toGovError(error: unknown): GovError {
  if (isGovError(error)) return error;
  const fe = error as Partial<FastifyError> & { body?: unknown };
  if (fe.validation) {
    const where = fe.validationContext ?? 'request';
    const problems = fe.validation.map((v) => {
      const missing = (v.params as { missingProperty?: string } | undefined)?.missingProperty;
      const extra = (v.params as { additionalProperty?: string } | undefined)?.additionalProperty;
      const path = `${where}${v.instancePath.replaceAll('/', '.')}${missing ? `.${missing}` : ''}${extra ? `.${extra}` : ''}`;
      const message = extra ? 'is not a known field' : (v.message ?? 'is invalid');
      return { field: path, message };
    });
    const summary = problems.map((p) => `${p.field} ${p.message}`).join('; ');
    return new GovError('GOV_VALIDATION', `invalid ${where}: ${summary}`, { details: { errors: problems } });
  }
  if (fe.code && FASTIFY_CODES[fe.code]) {
    return new GovError(FASTIFY_CODES[fe.code]!, fe.message ?? 'bad request', { cause: error });
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new GovError('GOV_VALIDATION', fe.message ?? 'bad request', { cause: error });
  }
  return new GovError('GOV_INTERNAL', 'internal error', { cause: error });
}

export function errorBody(error: GovError, requestId?: string): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details === undefined ? {} : { details: publicDetails(error) }),
      ...(requestId ? { requestId } : {}),
    },
  };
}

/** Details safe to send: auth failures keep their reason for the audit log, not for the client. */
function publicDetails(error: GovError): unknown {
  if (error.code === 'GOV_AUTH_INVALID') return undefined;
  return error.details;
}

/** Fastify error handler: one JSON shape, never a stack trace. */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const gov = toGovError(error);
  const status = HTTP_STATUS[gov.code];
  request.govError = gov;
  if (status >= 500) request.log.error({ err: error, code: gov.code }, 'request failed');
  else request.log.info({ code: gov.code, msg: gov.message }, 'request rejected');
  return reply.status(status).type('application/json; charset=utf-8').send(errorBody(gov, request.id));
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The error this request ended with, for the audit log and metrics. */
    govError?: GovError;
  }
}

-- 0007_providers: stored provider credentials and providers registered through the API (issue #7).
--
-- provider_credentials holds secrets ENCRYPTED with AES-256-GCM under the master key (docs/providers.md,
-- "Credentials and the provider registry"): never the plaintext. Each row carries its own random 96-bit nonce,
-- its 128-bit authentication tag, and the id of the master key it was sealed with (key_id) plus the format
-- version (enc_version), so a rotation can tell which rows it has re-encrypted and a wrong key is named, not
-- guessed. The associated data of the cipher binds the ciphertext to (id, provider, name): a ciphertext copied
-- onto another row does not decrypt. `fields` lists the NAMES of the secret values (never the values), so
-- they can be shown.
CREATE TABLE provider_credentials (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_-]{0,63}$'),
  provider    TEXT NOT NULL CHECK (provider ~ '^[a-z][a-z0-9_-]{0,31}$'),
  description TEXT,
  fields      JSONB NOT NULL CHECK (jsonb_typeof(fields) = 'array'),
  key_id      TEXT NOT NULL,
  enc_version SMALLINT NOT NULL CHECK (enc_version >= 1),
  nonce       BYTEA NOT NULL CHECK (octet_length(nonce) = 12),
  ciphertext  BYTEA NOT NULL,
  auth_tag    BYTEA NOT NULL CHECK (octet_length(auth_tag) = 16),
  created_at  TIMESTAMPTZ NOT NULL,
  updated_at  TIMESTAMPTZ NOT NULL,
  created_by  TEXT NOT NULL
);

-- Providers added with POST /api/multicloud/providers (the seed's cloud_providers table). Providers from the
-- configuration file are not stored: the file stays their source of truth. `settings` holds the per-kind
-- options, never a secret (secrets live in provider_credentials and are referenced by name).
CREATE TABLE cloud_providers (
  id          TEXT PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_-]{0,63}$'),
  kind        TEXT NOT NULL,
  settings    JSONB NOT NULL CHECK (jsonb_typeof(settings) = 'object'),
  credentials TEXT,
  enabled     BOOLEAN NOT NULL DEFAULT true,
  health_interval_ms INTEGER NOT NULL CHECK (health_interval_ms > 0),
  health_timeout_ms  INTEGER NOT NULL CHECK (health_timeout_ms > 0),
  created_at  TIMESTAMPTZ NOT NULL,
  updated_at  TIMESTAMPTZ NOT NULL,
  created_by  TEXT NOT NULL
);

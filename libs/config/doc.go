// Package config loads the typed configuration of a component in an
// environment from layered sources, with provenance for every key.
//
// Layers, later wins: struct defaults < base.yaml < <env>.yaml <
// local.override.yaml (only in the local environment) < environment
// variables (SHARED__LOG__LEVEL, ORDERS_API__HTTP__LISTEN) < resolved
// references. A string value may be a reference resolved at load time:
// secret://<name>#<key> (AWS Secrets Manager under the environment's prefix,
// or the local secrets file), ssm://<path> (SSM Parameter Store) or
// file://<path> (a mounted file, such as a Kubernetes secret).
//
// Decoding is strict: unknown keys are errors naming the file, the line and
// the closest known key. Sensitive values are held in [Secret], which prints
// as [redacted] in every format. Resolved references are cached with a TTL and
// can be watched, so a rotated secret reaches a long-running program.
//
// See docs/config.md for the whole picture.
package config

#!/usr/bin/env bash
# Runs a command with the integration-test service URLs set (overridable from the environment).
set -euo pipefail
export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/test}"
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/0}"
export TEST_RABBITMQ_URL="${TEST_RABBITMQ_URL:-amqp://guest:guest@127.0.0.1:5672/}"
if [ "${CI:-}" = "true" ]; then export REQUIRE_SERVICES="${REQUIRE_SERVICES:-1}"; fi
exec "$@"

#!/usr/bin/env bash
# Assistant checks, in the Python 3.10 environment: data validation, action tests against the
# real order API, `rasa test` on tests/stories and the held-out NLU set.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "test-assistant: not written yet" >&2
exit 1

#!/usr/bin/env bash
# Assistant checks, in the Python 3.10 environment: data validation, pytest (the training data
# and the action tests against the real order API; the service folders skip themselves here),
# `rasa test` on tests/stories and the held-out NLU set.
#
# Reuses models/current.tar.gz (made by `make train`); never trains. Starts the demo order API
# and the action server on free ports and stops them on exit. Exits non-zero on any failure,
# including "no tests collected" (pytest exit code 5).
set -euo pipefail
cd "$(dirname "$0")/.."

RVENV=.venv-rasa
RASA=$RVENV/bin/rasa
RPY=$RVENV/bin/python
SHOP_PY=${SHOP_PYTHON:-.venv/bin/python}
MODEL=models/current.tar.gz
RESULTS=${RESULTS_DIR:-results}
export SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=3 PYTHONWARNINGS=ignore

step() { printf '\n== test-assistant: %s\n' "$*"; }
fail() { echo "test-assistant: FAILED: $*" >&2; exit 1; }

[ -x "$RASA" ] || fail "$RASA missing: run 'make install'"
[ -x "$SHOP_PY" ] || fail "$SHOP_PY missing: run 'make install'"
[ -e "$MODEL" ] || fail "$MODEL missing: run 'make train'"

work=$(mktemp -d)
pids=()
cleanup() {
  local rc=$?
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT INT TERM

free_port() { "$RPY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { # url seconds
  for _ in $(seq 1 $(( $2 * 5 ))); do
    "$RPY" - "$1" <<'EOF' 2>/dev/null && return 0
import sys, httpx
sys.exit(0 if httpx.get(sys.argv[1], timeout=1).status_code == 200 else 1)
EOF
    sleep 0.2
  done
  return 1
}

step "rasa data validate --fail-on-warnings"
$RASA data validate --fail-on-warnings >"$work/validate.log" 2>&1 || {
  grep -E "UserWarning|Error|error" "$work/validate.log" | grep -v DeprecationWarning >&2 || true
  fail "rasa data validate"
}
echo "validate: no errors, no warnings"

step "starting the demo order API and the action server"
shop_port=$(free_port)
SHOP_PORT=$shop_port SHOP_HOST=127.0.0.1 SHOP_ALLOW_FAULTS=1 \
  SHOP_DATABASE_URL="sqlite+aiosqlite:///$work/shop.db" \
  "$SHOP_PY" -m shop >"$work/shop.log" 2>&1 &
pids+=($!)
shop_url="http://127.0.0.1:$shop_port"
wait_http "$shop_url/v1/health" 30 || { cat "$work/shop.log" >&2; fail "order API did not start"; }
echo "order API: $shop_url"

actions_port=$(free_port)
ORDER_API_URL=$shop_url ORDER_API_KEY=demo-order-key \
  $RASA run actions --actions actions --port "$actions_port" >"$work/actions.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$actions_port/health" 90 || {
  cat "$work/actions.log" >&2; fail "action server did not start"; }
# Every custom action of the domain must be registered by the action server.
"$RPY" - "http://127.0.0.1:$actions_port/actions" <<'EOF'
import sys, httpx, yaml
registered = {a["name"] for a in httpx.get(sys.argv[1], timeout=5).json()}
wanted = {a for a in yaml.safe_load(open("domain.yml"))["actions"]}
missing = sorted(wanted - registered)
if missing:
    sys.exit(f"action server lacks: {missing}")
print(f"action server: {len(wanted)} domain actions registered")
EOF

step "pytest in $RVENV: tests/data, tests/actions (real order API at $shop_url)"
start=$(date +%s)
TEST_SHOP_URL=$shop_url $RVENV/bin/pytest -q -p no:cacheprovider
echo "pytest: $(( $(date +%s) - start ))s"

step "rasa test core --stories tests/stories --fail-on-prediction-errors"
mkdir -p "$RESULTS"
$RASA test core --model "$MODEL" --stories tests/stories --fail-on-prediction-errors \
  --out "$RESULTS/core" --endpoints endpoints.yml >"$work/core.log" 2>&1 || {
  tail -n 40 "$work/core.log" >&2
  [ -f "$RESULTS/core/failed_test_stories.yml" ] && cat "$RESULTS/core/failed_test_stories.yml" >&2
  fail "rasa test core"
}
grep -hE "Correct:|Accuracy:|F1-Score:|Finished evaluation" "$work/core.log" | sed 's/^.* - //' | head -12
"$RPY" - "$RESULTS/core" <<'EOF'
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
failed = out / "failed_test_stories.yml"
text = failed.read_text() if failed.exists() else ""
if "- story:" in text:
    sys.exit("rasa test core: some test stories failed (see failed_test_stories.yml)")
report = json.loads((out / "story_report.json").read_text())
stories = sum(1 for _ in pathlib.Path("tests/stories").glob("*.yml"))
print(f"core: all test stories passed; action accuracy {report['accuracy']:.3f} "
      f"({report['macro avg']['support']} predicted actions)")
EOF

step "rasa test nlu --nlu tests/nlu (held-out)"
$RASA test nlu --model "$MODEL" --nlu tests/nlu --out "$RESULTS/nlu" --successes \
  >"$work/nlu.log" 2>&1 || { tail -n 40 "$work/nlu.log" >&2; fail "rasa test nlu"; }
"$RPY" - "$RESULTS/nlu" <<'EOF'
# `rasa test nlu` reverts FallbackClassifier predictions to the underlying intent, so the
# fallback rate is computed here the way the FallbackClassifier decides at runtime: top intent
# confidence below its threshold (config.yml).
import json, pathlib, sys
import yaml
out = pathlib.Path(sys.argv[1])
report = json.loads((out / "intent_report.json").read_text())
accuracy = report["accuracy"]
macro_f1 = report["macro avg"]["f1-score"]
pipeline = yaml.safe_load(open("config.yml"))["pipeline"]
threshold = next(c.get("threshold", 0.3) for c in pipeline if c["name"] == "FallbackClassifier")
oos_texts = set()
for block in yaml.safe_load(open("tests/nlu/out_of_scope.yml"))["nlu"]:
    oos_texts |= {l[2:].strip() for l in block.get("examples", "").splitlines() if l.startswith("- ")}
rows = {}
for name in ("intent_successes.json", "intent_errors.json"):
    path = out / name
    if path.exists():
        for row in json.loads(path.read_text()):
            pred = row.get("intent_prediction") or {}
            rows[row["text"]] = (pred.get("name"), float(pred.get("confidence") or 0.0))
oos = [v for t, v in rows.items() if t in oos_texts]
rest = [v for t, v in rows.items() if t not in oos_texts]
if not oos:
    sys.exit("no out-of-scope predictions found")
fallback = sum(c < threshold for _, c in oos)
handled = sum(c < threshold or p == "out_of_scope" for p, c in oos)
false_fallback = sum(c < threshold for _, c in rest)
summary = {
    "examples": len(rows),
    "intent_accuracy": round(accuracy, 4),
    "intent_macro_f1": round(macro_f1, 4),
    "fallback_threshold": threshold,
    "oos_examples": len(oos),
    "oos_fallback_rate": round(fallback / len(oos), 4),
    "oos_fallback_or_out_of_scope_rate": round(handled / len(oos), 4),
    "in_domain_fallback_rate": round(false_fallback / max(len(rest), 1), 4),
}
(out / "summary.json").write_text(json.dumps(summary, indent=2))
print(f"nlu: {len(rows)} held-out examples: intent accuracy {accuracy:.3f}, macro-F1 {macro_f1:.3f}")
print(f"nlu: out_of_scope held-out ({len(oos)}): fallback rate {fallback / len(oos):.2f} "
      f"(threshold {threshold}); fallback or out_of_scope {handled / len(oos):.2f}")
print(f"nlu: in-domain examples falling back: {false_fallback / max(len(rest), 1):.3f}")
EOF

step "all assistant checks passed"

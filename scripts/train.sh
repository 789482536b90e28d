#!/usr/bin/env bash
# Trains the Rasa model only when config, domain, training data or the pipeline's own components
# changed. The model is named by a hash of those files (config.yml, domain.yml, data/,
# components/*.py, the pinned embedding model in requirements/assistant-nodeps.txt and the Rasa
# version) and cached in
# $EFFORTLESS_CACHE/models, so a fresh clone on the same machine reuses it.
# Prints the model path on its last line; models/current.tar.gz points at it.
set -euo pipefail
cd "$(dirname "$0")/.."
RASA=.venv-rasa/bin/rasa
cache="${EFFORTLESS_CACHE:-$HOME/.cache/effortless}/models"
mkdir -p models "$cache"
hash=$( { .venv-rasa/bin/python -c 'import rasa; print(rasa.__version__)';
          for f in config.yml domain.yml requirements/assistant-nodeps.txt \
                   $(find data -type f \( -name '*.yml' -o -name '*.yaml' \) | LC_ALL=C sort) \
                   $(find components -type f -name '*.py' | LC_ALL=C sort); do
            echo "== $f"; cat "$f"; done; } | sha256sum | cut -c1-16)
model="models/effortless-$hash.tar.gz"
if [ ! -f "$model" ] && [ -f "$cache/effortless-$hash.tar.gz" ]; then
  cp "$cache/effortless-$hash.tar.gz" "$model"; echo "train: reused cached model $hash" >&2
fi
if [ ! -f "$model" ]; then
  echo "train: data or pipeline changed, training model $hash" >&2
  start=$(date +%s)
  # Rasa's own training cache (.rasa/cache) is off: it keys a component by its config and
  # inputs, not by its code, so a changed component in components/ came back from the cache.
  RASA_MAX_CACHE_SIZE=0 $RASA train --fixed-model-name "effortless-$hash" --out models --quiet >&2
  echo "train: trained in $(( $(date +%s) - start ))s" >&2
  cp "$model" "$cache/"
else
  echo "train: model $hash is up to date" >&2
fi
ln -sfn "effortless-$hash.tar.gz" models/current.tar.gz
echo "$model"

#!/usr/bin/env bash
# Runs after the files are copied: a real app would render config or run migrations here.
set -euo pipefail
echo "[$LIFECYCLE_EVENT] files installed from revision ${DECKHAND_REVISION_SHA256:0:12}"
for step in config assets cache; do
  echo "[$LIFECYCLE_EVENT] preparing $step"
  sleep 0.1
done

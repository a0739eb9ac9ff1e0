#!/usr/bin/env bash
# Checks the revision the host received. Hooks are not told where the agent installed the
# files (--dest-root is an agent option), so the check reads the unpacked revision instead.
set -euo pipefail
index="$DECKHAND_ARCHIVE_DIR/site/index.html"
if [[ ! -f "$index" ]]; then
  echo "[$LIFECYCLE_EVENT] missing $index" >&2
  exit 1
fi
echo "[$LIFECYCLE_EVENT] found $(wc -c < "$index") bytes of index.html"
echo "[$LIFECYCLE_EVENT] $(cat "$DECKHAND_ARCHIVE_DIR/site/version.txt") is healthy"

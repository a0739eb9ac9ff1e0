#!/usr/bin/env bash
# Starts the application; the demo only pretends to, so that nothing keeps running afterwards.
set -euo pipefail
echo "[$LIFECYCLE_EVENT] starting demo-app"
sleep 0.2
echo "[$LIFECYCLE_EVENT] demo-app started"

#!/usr/bin/env bash
# Runs before the files are copied: a real app would stop traffic or prepare directories here.
set -euo pipefail
echo "[$LIFECYCLE_EVENT] deployment $DEPLOYMENT_ID on instance $DECKHAND_INSTANCE_ID"
echo "[$LIFECYCLE_EVENT] application $APPLICATION_NAME, group $DEPLOYMENT_GROUP_NAME"
echo "[$LIFECYCLE_EVENT] preparing to install"

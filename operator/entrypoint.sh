#!/bin/sh
# Starts the operator; JAVA_OPTS_APPEND (Helm value operator.javaOptions) adds JVM options after
# the image's defaults in JAVA_TOOL_OPTIONS. Settings come from PULLSECRET_* variables or flags.
# shellcheck disable=SC2086
exec java $JAVA_OPTS_APPEND -jar /opt/pullsecret-operator/pullsecret-operator.jar "$@"

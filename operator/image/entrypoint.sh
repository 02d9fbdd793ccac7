#!/bin/sh
# Starts the operator (the image's entrypoint; Jib puts the classes and libraries under
# /opt/pullsecret-operator and their classpath in jib-classpath-file). JAVA_OPTS_APPEND (Helm value
# operator.javaOptions; unset by default) adds JVM options after the image's defaults in JAVA_TOOL_OPTIONS.
# Settings come from PULLSECRET_* variables or flags.
# shellcheck disable=SC2086
exec java $JAVA_OPTS_APPEND -cp @/opt/pullsecret-operator/jib-classpath-file io.pullsecrets.operator.Main "$@"

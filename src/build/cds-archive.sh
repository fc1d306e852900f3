#!/bin/sh
# Builds meter-ingest's class-data-sharing archive (README, "Start-up"): the JVM then maps the ~12,000
# classes it loads at start-up instead of reading and verifying each from its jar (launch to first
# delete ~0.9 s sooner here). Run by `./mvnw package` (pom, profile "cds") and by docker/Dockerfile.
#   cds-archive.sh JAVA JAR ARCHIVE [JVM options the archive will be used with...]
# An archive only fits the JDK build and jar files it was made from: the JVM says so in one warning
# line and starts without it.
set -eu
java="$1"; jar="$2"; archive="$3"; shift 3
work="$(dirname "$archive")/cds-training"
rm -rf "$work" "$archive"
mkdir -p "$work"
# 1. a training start: embedded servers on free ports, routes started, a few empty receives, then stop
if ! "$java" "$@" -XX:DumpLoadedClassList="$work/classes.lst" \
    -Dingest.embedded=true -Dingest.local.sqs-port=0 -Dingest.local.s3-port=0 -Dcamel.management.port=0 \
    -Dingest.local.data-dir="$work/data" -Dingest.store.url="rocksdb:$work/store" \
    -Dcamel.main.duration-max-seconds=3 -jar "$jar" >"$work/training.log" 2>&1; then
  tail -5 "$work/training.log" >&2
  echo "cds-archive.sh: the training start failed; its log is $work/training.log" >&2
  exit 1
fi
# 2. the classes an instance loads, without the embedded servers' (a real deployment never loads them,
#    and archived they would cost ~45 MiB of RSS)
grep -v -E '(^| )(org/apache/pekko|org/gaul|org/elasticmq|scala/|com/typesafe|org/eclipse/jetty|org/jclouds)/' \
    "$work/classes.lst" >"$work/app-classes.lst"
# 3. the archive, made with the same JVM options and class path as the runs that map it
if ! "$java" "$@" -Xshare:dump -XX:SharedClassListFile="$work/app-classes.lst" -XX:SharedArchiveFile="$archive" \
    -jar "$jar" >"$work/dump.log" 2>&1; then
  tail -5 "$work/dump.log" >&2
  echo "cds-archive.sh: the archive could not be dumped; the log is $work/dump.log" >&2
  exit 1
fi
echo "cds-archive.sh: $archive ($(wc -l <"$work/app-classes.lst") classes)"

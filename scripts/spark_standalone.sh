#!/usr/bin/env bash
# The cluster route, rehearsed on one machine (README: On a cluster): a Spark standalone master and one worker
# (separate JVMs, so the executors and their Python workers are processes of their own, as on EMR or Dataproc),
# started from the pyspark in .venv; the dbt build runs on the driver with this plugin and
# ASSETREC_SPARK_MASTER=spark://127.0.0.1:<port>, then both daemons stop, whatever the build's outcome.
# Usage: scripts/spark_standalone.sh <dbt build arguments...>   (make run-spark-standalone)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
SPARK_DIR=${ASSETREC_SPARK_DIR:-target/spark}
PORT=${ASSETREC_STANDALONE_PORT:-7077}
LOGS=$SPARK_DIR/standalone
mkdir -p "$LOGS"
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    echo "port $PORT is in use (another Spark master?): stop it or set ASSETREC_STANDALONE_PORT" >&2
    exit 1
fi
# spark-class looks for Spark with the `python` on PATH, which may not be the venv's: name it.
SPARK_HOME=$("$BIN/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')
export SPARK_HOME SPARK_LOG_DIR=$LOGS SPARK_WORKER_DIR=$LOGS/work SPARK_LOCAL_DIRS=$SPARK_DIR/tmp

"$BIN/spark-class" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$PORT" --webui-port 0 \
    > "$LOGS/master.log" 2>&1 &
MASTER=$!
"$BIN/spark-class" org.apache.spark.deploy.worker.Worker "spark://127.0.0.1:$PORT" --host 127.0.0.1 \
    --cores 2 --memory "${ASSETREC_STANDALONE_MEMORY:-4g}" --webui-port 0 > "$LOGS/worker.log" 2>&1 &
WORKER=$!
trap 'kill $WORKER $MASTER 2>/dev/null || true; wait 2>/dev/null || true' EXIT

# The build starts once the worker has registered with the master.
for _ in $(seq 1 60); do
    grep -q "Successfully registered with master" "$LOGS/worker.log" && break
    kill -0 $MASTER 2>/dev/null && kill -0 $WORKER 2>/dev/null || { cat "$LOGS"/*.log; exit 1; }
    sleep 1
done
grep -q "Successfully registered with master" "$LOGS/worker.log" || { echo "worker did not register"; exit 1; }
echo "standalone master spark://127.0.0.1:$PORT with one worker (2 cores); logs in $LOGS"
ASSETREC_SPARK_DIR=$SPARK_DIR ASSETREC_SPARK_MASTER="spark://127.0.0.1:$PORT" "$BIN/dbt" build "$@"

"""The `scale` bench section's measurements (run by scale.mjs with target/venv's Python):
the same synthetic events scored by the command line, by the Python package on a
pyarrow.Table, by DuckDB → leadscore, and by Spark in local mode on 2 cores, side by side
in one run. Prints one JSON object (the figures) on its last line.

usage: scale.py CLI RULES DIR EVENTS_WANTED
"""

import json
import math
import os
import resource
import subprocess
import sys
import time

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

import leadscore

NOW = 1_800_000_000_000
COLUMNS = "visitor, type, ts, url, dwellMs, form, traits"


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def tree_cpu():
    """CPU-seconds of this process's descendants (Spark's JVM and its Python workers),
    with the children they have reaped: on a shared machine, wall time is not work."""
    tick = os.sysconf("SC_CLK_TCK")
    stats = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(pid)] = (int(fields[1]), sum(map(int, fields[11:15])))
    mine, total, grew = {os.getpid()}, 0, True
    while grew:
        grew = False
        for pid, (ppid, _) in stats.items():
            if ppid in mine and pid not in mine:
                mine.add(pid)
                grew = True
    for pid in mine - {os.getpid()}:
        total += stats[pid][1]
    return total / tick


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def data(cli, folder, wanted):
    """JSON lines from `leadscore synth` and the same events as Parquet (kept for reruns)."""
    visitors = max(1, round(wanted / 7.1))  # the synthetic journeys average ~7.1 events
    jsonl = os.path.join(folder, f"scale-{visitors}.jsonl")
    parquet = os.path.join(folder, f"scale-{visitors}.parquet")
    if not os.path.exists(parquet):
        log(f"scale: writing {visitors} synthetic visitors")
        outcomes = os.path.join(folder, f"scale-{visitors}-outcomes.csv")
        subprocess.run([cli, "synth", "--visitors", str(visitors), "--seed", "3", "--events", jsonl,
                        "--outcomes", outcomes], check=True, stderr=subprocess.DEVNULL)
        con = duckdb.connect()
        con.execute(f"copy (select {COLUMNS} from read_json('{jsonl}', format='newline_delimited')) "
                    f"to '{parquet}' (format parquet, row_group_size 1000000)")
    return jsonl, parquet


def timed(f):
    wall, cpu = time.perf_counter(), time.process_time()
    out = f()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def same(table, cli_scores):
    """The Arrow result equals the command line's, visitor by visitor, to the bit."""
    t = table.sort_by("visitor")
    visitors, scores = t["visitor"].to_pylist(), t["score"].to_pylist()
    return list(zip(visitors, map(float.hex, scores))) == cli_scores


def main():
    cli, rules_path, folder, wanted = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    jsonl, parquet = data(cli, folder, wanted)
    rules_text = open(rules_path).read()
    rules = leadscore.Rules(rules_text)
    events = pq.read_metadata(parquet).num_rows
    out = {"events": events}

    # 1. The command line on the JSON lines (one thread reads and scores).
    log("scale: leadscore score (CLI)")
    cpu0, t0 = children_cpu(), time.perf_counter()
    lines = subprocess.run([cli, "score", "--rules", rules_path, "--events", jsonl, "--now", str(NOW)],
                           check=True, capture_output=True, text=True).stdout
    out["cli"] = {"wall": time.perf_counter() - t0, "cpu": children_cpu() - cpu0}
    cli_scores = [(r["visitor"], float(r["score"]).hex()) for r in map(json.loads, lines.splitlines())]
    out["visitors"] = len(cli_scores)
    del lines

    # 2. The package on a pyarrow.Table already in memory (read from Parquet, not timed).
    log("scale: Python package on a pyarrow.Table")
    table = pq.read_table(parquet)
    result, wall, cpu = timed(lambda: rules.score(table, now=NOW))
    out["pyarrow"] = {"wall": wall, "cpu": cpu, "same": same(result, cli_scores)}
    del table, result

    # 3. DuckDB reads the Parquet, leadscore scores its Arrow stream; the result back in SQL.
    log("scale: DuckDB → leadscore")
    con = duckdb.connect()
    def duck():
        results = rules.score(con.sql(f"select {COLUMNS} from read_parquet('{parquet}')"), now=NOW)
        hot = con.sql("select count(*) from results where band = 'hot'").fetchall()[0][0]
        return results, hot
    (result, hot), wall, cpu = timed(duck)
    out["duckdb"] = {"wall": wall, "cpu": cpu, "same": same(result, cli_scores), "hot": hot}
    del result

    # 4. Spark, local mode on 2 cores: Parquet in, scored per partition, the result collected.
    out["spark"] = spark(parquet, rules_text, cli_scores)
    print(json.dumps(out))


def spark(parquet, rules_text, cli_scores):
    log("scale: Spark local[2]")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    from pyspark.sql import SparkSession
    import leadscore.spark

    t0 = time.perf_counter()
    session = (SparkSession.builder.master("local[2]").appName("leadscore-scale")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.driver.memory", "6g")
               .config("spark.sql.shuffle.partitions", "16")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    start = time.perf_counter() - t0
    try:
        df = session.read.parquet(parquet)
        scored = leadscore.spark.score(df, rules_text, now=NOW, partitions=16)
        t0, cpu0, own0 = time.perf_counter(), tree_cpu(), time.process_time()
        result = scored.toArrow()
        wall = time.perf_counter() - t0
        cpu = tree_cpu() - cpu0 + time.process_time() - own0
        out = {"wall": wall, "cpu": cpu, "start": start, "same": same(result, cli_scores)}
        # groupBy("visitor").applyInArrow calls Python once per visitor: measured on the
        # first 10,000 visitors only (~3 ms a visitor here: a 10 M run would take over an hour).
        sample = df.where(df.visitor < "synthetic-0010000")
        n = sample.count()
        grouped = leadscore.spark.score(sample, rules_text, now=NOW, by="group")
        t0, cpu0, own0 = time.perf_counter(), tree_cpu(), time.process_time()
        result = grouped.toArrow()
        wall = time.perf_counter() - t0
        cpu = tree_cpu() - cpu0 + time.process_time() - own0
        want = [s for s in cli_scores if s[0] < "synthetic-0010000"]
        out["group"] = {"events": n, "wall": wall, "cpu": cpu, "same": same(result, want)}
        return out
    finally:
        session.stop()


if __name__ == "__main__":
    main()

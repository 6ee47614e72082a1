"""Preview time and whole-file type inference of a large CSV, against plain csv.reader in the same run.

Prints: preview seconds (target < 1 s on 1M rows), inference rows/s and its ratio to iterating
the same file with csv.reader, and the worker's peak RSS for 100k and 1M rows (flat memory means
about the same figure). Each measurement runs in a fresh process so peak RSS is its own.

Usage: python bench/pipeline_inference.py [ROWS]   (default 1,000,000)
"""

from __future__ import annotations

import csv
import json
import resource
import subprocess
import sys
import time

from data import PROJECT_DIR, csv_file

sys.path.insert(0, str(PROJECT_DIR))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_baseline(path: str) -> dict:
    started = time.perf_counter()
    with open(path, newline="", encoding="utf-8") as handle:
        rows = sum(1 for _ in csv.reader(handle)) - 1
    return {"seconds": time.perf_counter() - started, "rows": rows, "peak_rss_mb": peak_rss_mb()}


def measure_pipeline(path: str, mode: str) -> dict:
    from datasets.pipeline.readers import open_source
    from datasets.pipeline.runner import infer, preview
    from datasets.pipeline.specifications import FieldSpecifications

    params = {"separator": ",", "encoding": "utf-8", "headers_first_row": True}
    started = time.perf_counter()
    with open(path, "rb") as stream:
        source = open_source("csvfile", params, stream)
        if mode == "preview":
            result = preview(source, [], FieldSpecifications([]))
            rows = len(result["records"])
            types = {field["name"]: field["type"] for field in result["fields"]}
        else:
            fields, _details, rows = infer(source, [], FieldSpecifications([]), on_error=lambda error: None)
            types = {field.name: field.type for field in fields}
    return {"seconds": time.perf_counter() - started, "rows": rows, "types": types, "peak_rss_mb": peak_rss_mb()}


def in_subprocess(mode: str, path: str) -> dict:
    code = subprocess.run(
        [sys.executable, __file__, "--measure", mode, path], capture_output=True, text=True, check=True
    )
    return json.loads(code.stdout.strip().splitlines()[-1])


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    big, small = str(csv_file(rows)), str(csv_file(max(rows // 10, 1)))
    baseline = in_subprocess("baseline", big)
    shown = in_subprocess("preview", big)
    inferred = in_subprocess("infer", big)
    inferred_small = in_subprocess("infer", small)
    rate, base_rate = inferred["rows"] / inferred["seconds"], baseline["rows"] / baseline["seconds"]
    print(f"pipeline on a {rows:,}-row, 10-column CSV")
    print(f"  preview (20 records, types from a bounded sample): {shown['seconds']:.2f} s")
    print(f"  inference, one streaming pass: {inferred['seconds']:.2f} s -> {rate:,.0f} rows/s")
    print(f"  baseline csv.reader iterate only: {baseline['seconds']:.2f} s -> {base_rate:,.0f} rows/s")
    print(f"  ratio (inference / csv.reader): {rate / base_rate:.2f}")
    print(f"  inferred types: {inferred['types']}")
    small_rss, big_rss, base_rss = inferred_small["peak_rss_mb"], inferred["peak_rss_mb"], baseline["peak_rss_mb"]
    print(
        f"  peak RSS: {small_rss:.0f} MB at {inferred_small['rows']:,} rows, {big_rss:.0f} MB at "
        f"{inferred['rows']:,} rows (csv.reader alone: {base_rss:.0f} MB)"
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--measure":
        import os

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        measure = measure_baseline if sys.argv[2] == "baseline" else lambda p: measure_pipeline(p, sys.argv[2])
        print(json.dumps(measure(sys.argv[3])))
    else:
        main()

"""Run every benchmark in this folder, one process each, and stop at the first failure."""

import subprocess
import sys
from pathlib import Path

BENCHMARKS = [
    "job_roundtrip.py",
    "pipeline_inference.py",
    "resource_check.py",
    "publish.py",
    "explore.py",
    "soak.py",
    "server_modes.py",
]


def main() -> int:
    here = Path(__file__).resolve().parent
    for name in BENCHMARKS:
        print(f"== {name}", flush=True)
        code = subprocess.call([sys.executable, str(here / name)], cwd=here.parent)
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())

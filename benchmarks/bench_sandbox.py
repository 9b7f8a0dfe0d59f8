"""Benchmark: what the sandbox costs per candidate: the template's start, a confined worker per chunk,
a served policy's start, and one call of a served policy.

    python benchmarks/bench_sandbox.py [--repeats 200]

Prints the isolation layers that were active, then median and 90th-percentile times in ms.
"""

from __future__ import annotations

import argparse
import statistics
import time

from langprop_driver.sandbox.pool import Program, SandboxConfig, SandboxPool, ServedCandidate
from langprop_driver.sandbox.process import TemplateProcess

SOURCE = "import math\n\n\ndef policy(observation):\n    return {'target_speed_mps': math.sqrt(observation), 'steer_deg': 0.0}\n"


def _summary(label: str, samples_s: list[float]) -> str:
    samples_ms = sorted(1e3 * s for s in samples_s)
    p90 = samples_ms[int(0.9 * (len(samples_ms) - 1))]
    return (
        f"{label}: median {statistics.median(samples_ms):.2f} ms, p90 {p90:.2f} ms ({len(samples_ms)} runs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    config = SandboxConfig(n_workers=1, chunk_size=1)
    program = Program("bench", SOURCE, "policy")

    starts = []
    for _ in range(5):
        started = time.perf_counter()
        template = TemplateProcess(tuple(sorted(config.allowed_modules)))
        starts.append(time.perf_counter() - started)
        template.close()
    print("layers:", "; ".join(f"{name}: {detail}" for name, detail in template.active.items()))
    if template.missing:
        print("missing:", template.missing)
    print(_summary("template process start (imports the allowed modules, prepares the layers)", starts))

    with SandboxPool(config) as pool:
        pool.run([program], [4.0])  # the shared template starts here
        per_chunk = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            [[result]] = pool.run([program], [4.0])
            per_chunk.append(time.perf_counter() - started)
            assert result.output == {"target_speed_mps": 2.0, "steer_deg": 0.0}
    print(_summary("a candidate scored on one sample (fork, confine, load, call, validate)", per_chunk))

    binds, calls = [], []
    for _ in range(max(1, args.repeats // 4)):
        served = ServedCandidate(config, program)
        started = time.perf_counter()
        assert served.bind() is None
        binds.append(time.perf_counter() - started)
        for _ in range(20):
            started = time.perf_counter()
            served.call((4.0,))
            calls.append(time.perf_counter() - started)
        served.stop()
    print(_summary("a served policy's start (fork, confine, load)", binds))
    print(_summary("one call of a served policy (a driving step)", calls))


if __name__ == "__main__":
    main()

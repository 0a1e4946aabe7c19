#!/usr/bin/env python3
"""The crypto floor of each vector file, and how close `mlsref verify` comes to it.

    build/bin/mlsref verify --stats -j 1 FILE... > stats.txt
    build-bench/bin/mlsref_bench --benchmark_filter='BM_(Primitive|VerifyFile)' \
        --benchmark_format=json > bench.json
    scripts/crypto-floor.py stats.txt bench.json [more-bench.json ...]

The floor of a file is the sum, over the primitive operations its cases ran
(the `--stats` counts: with the per-case cache, each key pair, DH and
signature check once), of each operation's CPU time on the fastest backend
(BM_Primitive/<op>/<algorithm>/<backend>; hashes, HMAC, HKDF and AEADs
priced at 100-byte inputs). "verify" is BM_VerifyFile/<file>'s CPU time;
"loading" is BM_LoadFile/<file>'s (the same run with the cases' checks left
out: reading, parsing and hashing the file), when the bench file has it.
With several bench files, each time is the least of its runs. Prints a
Markdown table.
"""
import json
import re
import sys


def parse_stats(path):
    files, current = [], None
    for line in open(path):
        m = re.match(r"^(\S+\.json) \[", line)
        if m:
            current = m.group(1).rsplit("/", 1)[-1]
            continue
        m = re.match(r"^  stats: (.*)$", line)
        if m and current:
            counts = {}
            for op, body in re.findall(r"(\w+) \d+ \(([^)]*)\)", m.group(1)):
                for alg, n in re.findall(r"([\w-]+) (\d+)", body):
                    counts[(op, alg)] = int(n)
            files.append((current, counts))
            current = None
    return files


def main():
    stats = sys.argv[1]
    benchmarks = [b for path in sys.argv[2:] for b in json.load(open(path))["benchmarks"]]
    unit = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
    cost, verify, load = {}, {}, {}
    for b in benchmarks:
        ms = b["cpu_time"] * unit[b["time_unit"]]
        parts = b["name"].split("/")
        if parts[0] == "BM_Primitive":
            key = (parts[1], parts[2])
            cost[key] = min(cost.get(key, ms), ms)
        elif parts[0] == "BM_VerifyFile":
            verify[parts[1]] = min(verify.get(parts[1], ms), ms)
        elif parts[0] == "BM_LoadFile":
            load[parts[1]] = min(load.get(parts[1], ms), ms)
    print("| file | operations | crypto floor | mlsref verify -j 1 | ratio |"
          + (" of which loading |" if load else ""))
    print("|---|---:|---:|---:|---:|" + ("---:|" if load else ""))
    for name, counts in parse_stats(stats):
        missing = [k for k in counts if k not in cost]
        floor = sum(n * cost.get(k, 0) for k, n in counts.items())
        v = verify.get(name)
        ratio = f"{v / floor:.2f}x" if v and floor > 0 else ""
        l = load.get(name)
        print(f"| {name} | {sum(counts.values())} | {floor:.2f} ms | "
              f"{'' if v is None else f'{v:.2f} ms'} | {ratio} |"
              + ((f" {l:.2f} ms |" if l is not None else " |") if load else "")
              + (f" (no cost for {missing})" if missing else ""))


if __name__ == "__main__":
    main()

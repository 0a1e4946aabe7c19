#!/usr/bin/env python3
"""The crypto floor of each vector file, and how close `mlsref verify` comes to it.

    build/bin/mlsref verify --stats -j 1 FILE... > stats.txt
    build-bench/bin/mlsref_bench --benchmark_filter='BM_(Primitive|VerifyFile)' \
        --benchmark_format=json > bench.json
    scripts/crypto-floor.py stats.txt bench.json [more-bench.json ...]

The floor of a file is the sum, over the primitive operations its cases ran
(the `--stats` counts: with the per-case cache, each key pair, DH and
signature check once), of each operation's CPU time on the fastest backend
(BM_Primitive/<op>/<algorithm>/<backend>). Hashes, HMACs, HKDF calls and
AEADs are priced by their input bytes (the `--stats` "input bytes"): the
100-byte cost per operation plus, for each byte above or below 100 on
average, the cost per byte between the 100-byte and the 4096-byte benchmark
(".../4096B"); without those, at the 100-byte cost. (An HKDF call's input
bytes are those its HMACs take: see PrimitiveCounts in ref/primitives.h.)
"verify" is BM_VerifyFile/<file>'s CPU time; "loading" is
BM_LoadFile/<file>'s (the same run with the cases' checks left out:
reading, parsing and hashing the file), when the bench file has it. With
several bench files, each time is the least of its runs. Prints a Markdown
table.
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
            ops, _, input_bytes = m.group(1).partition("; input bytes: ")
            files.append((current, by_operation(ops), by_operation(input_bytes)))
            current = None
    return files


def by_operation(text):
    """{(op, alg): n} of "op N (alg N, ...), ..."."""
    table = {}
    for op, body in re.findall(r"(\w+) \d+ \(([^)]*)\)", text):
        for alg, n in re.findall(r"([\w-]+) (\d+)", body):
            table[(op, alg)] = int(n)
    return table


def main():
    stats = sys.argv[1]
    benchmarks = [b for path in sys.argv[2:] for b in json.load(open(path))["benchmarks"]]
    unit = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
    cost, large, verify, load = {}, {}, {}, {}
    for b in benchmarks:
        if b.get("run_type") == "aggregate":
            continue
        ms = b["cpu_time"] * unit[b["time_unit"]]
        parts = b["name"].split("/")
        if parts[0] == "BM_Primitive":
            key = (parts[1], parts[2])
            table = large if len(parts) > 4 and parts[4] == "4096B" else cost
            table[key] = min(table.get(key, ms), ms)
        elif parts[0] == "BM_VerifyFile":
            verify[parts[1]] = min(verify.get(parts[1], ms), ms)
        elif parts[0] == "BM_LoadFile":
            load[parts[1]] = min(load.get(parts[1], ms), ms)
    print("| file | operations | crypto floor | mlsref verify -j 1 | ratio |"
          + (" of which loading |" if load else ""))
    print("|---|---:|---:|---:|---:|" + ("---:|" if load else ""))
    def price(key, n, input_bytes):
        """The floor of n operations `key` over input_bytes bytes in all."""
        each = cost.get(key, 0)
        if key not in large or key not in input_bytes:
            return n * each
        per_byte = (large[key] - each) / (4096 - 100)
        return max(n * each + (input_bytes[key] - 100 * n) * per_byte, 0.0)

    for name, counts, input_bytes in parse_stats(stats):
        missing = [k for k in counts if k not in cost]
        floor = sum(price(k, n, input_bytes) for k, n in counts.items())
        v = verify.get(name)
        ratio = f"{v / floor:.2f}x" if v and floor > 0 else ""
        l = load.get(name)
        print(f"| {name} | {sum(counts.values())} | {floor:.2f} ms | "
              f"{'' if v is None else f'{v:.2f} ms'} | {ratio} |"
              + ((f" {l:.2f} ms |" if l is not None else " |") if load else "")
              + (f" (no cost for {missing})" if missing else ""))


if __name__ == "__main__":
    main()

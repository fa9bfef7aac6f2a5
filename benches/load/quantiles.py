#!/usr/bin/env python3
"""Quantiles of a Prometheus histogram over an interval, from two scrapes of /metrics.

    quantiles.py <metric> <before.txt> <after.txt>

Prints `count=N p50_ms=… p99_ms=…` for what was observed between the two scrapes; each
quantile is the upper bound of the bucket it falls in (the histogram's resolution)."""
import re
import sys


def buckets(path, metric):
    found = {}
    pattern = re.compile(r'^%s_bucket\{(?:.*,)?le="([^"]+)"\}\s+(\S+)$' % re.escape(metric))
    with open(path) as text:
        for line in text:
            match = pattern.match(line.strip())
            if match:
                found[float(match.group(1))] = float(match.group(2))
    return found


def main():
    metric, before_path, after_path = sys.argv[1:4]
    before, after = buckets(before_path, metric), buckets(after_path, metric)
    bounds = sorted(after)
    counts = [after[b] - before.get(b, 0.0) for b in bounds]
    total = counts[-1] if counts else 0.0
    if total <= 0:
        print("count=0")
        return

    def quantile(q):
        for bound, count in zip(bounds, counts):
            if count >= q * total:
                return bound
        return float("inf")

    print("count=%d p50_ms=%.3f p99_ms=%.3f" % (total, quantile(0.5) * 1000, quantile(0.99) * 1000))


main()

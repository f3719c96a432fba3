#!/usr/bin/env python3
"""Turns bench/run.sh's raw lines (rep target metric value) into medians, ratios and JSON."""
import json
import statistics
import sys
from collections import defaultdict

def number(metric, text):
    """wrk prints latencies as 401.00us, 2.54ms or 1.20s; everything else is a plain number."""
    if metric.endswith("_ms"):
        for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
            if text.endswith(unit):
                return float(text[: -len(unit)]) * factor
    return float(text)


raw = defaultdict(list)
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) != 4:
        continue
    rep, target, metric, value = parts
    try:
        v = number(metric, value)
    except ValueError:
        continue
    if v == v:  # not NaN: a failed measurement is left out, and said so on stderr by run.sh
        raw[(target, metric)].append(v)

med = {k: statistics.median(v) for k, v in raw.items() if v}
targets = ["direct", "haproxy", "nginx", "lb-tcp", "lb-tcp-uring"]
metrics = [("iperf_P1", "iperf3 1 stream, Gbit/s"), ("iperf_P4", "iperf3 4 streams, Gbit/s"),
           ("keepalive_rps", "keep-alive req/s (wrk -c50, 1 KiB)"), ("keepalive_p50_ms", "keep-alive p50, ms"),
           ("keepalive_p99_ms", "keep-alive p99, ms"), ("newconn_per_s", "new connections/s"),
           ("rss_idle_mib", "RSS idle, MiB"),
           ("rss_10k_first_mib", "RSS 3 s after 10,000 idle sessions opened (extrapolated), MiB"),
           ("rss_10k_mib", "RSS with 10,000 idle sessions held (at 14 s, extrapolated), MiB")]
print("| test | " + " | ".join(targets) + " | lb-tcp / direct | lb-tcp / HAProxy | io_uring / HAProxy |")
print("|---|" + "---|" * (len(targets) + 3))
out = {}
for m, label in metrics:
    row = [med.get((t, m)) for t in targets]
    cells = ["-" if v is None else f"{v:.2f}" if v < 100 else f"{v:,.0f}" for v in row]
    lb, direct, hap = med.get(("lb-tcp", m)), med.get(("direct", m)), med.get(("haproxy", m))
    r_direct = f"{lb / direct:.2f}" if lb and direct else "-"
    r_hap = f"{lb / hap:.2f}" if lb and hap else "-"
    uring = med.get(("lb-tcp-uring", m))
    r_uring = f"{uring / hap:.2f}" if uring and hap else "-"
    print(f"| {label} | " + " | ".join(cells) + f" | {r_direct} | {r_hap} | {r_uring} |")
    out[m] = {t: med.get((t, m)) for t in targets}
    out[m]["samples"] = {t: raw.get((t, m), []) for t in targets}
json.dump(out, open(sys.argv[2], "w"), indent=2)

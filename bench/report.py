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
# The targets measured, in this order: run.sh's on loopback, netns.sh's through namespaces.
targets = [t for t in ["direct", "haproxy", "nginx", "lb-tcp", "lb-tcp-uring", "lb-kernel", "lb-kernel-dnat"]
           if any(k[0] == t for k in raw)]
ours = [t for t in ["lb-tcp", "lb-tcp-uring", "lb-kernel", "lb-kernel-dnat"] if t in targets]
metrics = [("iperf_P1", "iperf3 1 stream, Gbit/s"), ("iperf_P4", "iperf3 4 streams, Gbit/s"),
           ("keepalive_rps", "keep-alive req/s (wrk -c50, 1 KiB)"), ("keepalive_p50_ms", "keep-alive p50, ms"),
           ("keepalive_p99_ms", "keep-alive p99, ms"), ("newconn_per_s", "new connections/s"),
           ("rss_idle_mib", "RSS idle, MiB"),
           ("rss_10k_first_mib", "RSS 3 s after 10,000 idle sessions opened (extrapolated), MiB"),
           ("rss_10k_mib", "RSS with 10,000 idle sessions held (at 14 s, extrapolated), MiB"),
           ("conntrack_10k_mib", "kernel conntrack memory with 10,000 idle flows (extrapolated), MiB")]
ratios = [(t, base) for t in ours for base in ("direct", "haproxy")]
print("| test | " + " | ".join(targets) + " | " + " | ".join(f"{t} / {b}" for t, b in ratios) + " |")
print("|---|" + "---|" * (len(targets) + len(ratios)))
out = {}
for m, label in metrics:
    row = [med.get((t, m)) for t in targets]
    cells = ["-" if v is None else f"{v:.2f}" if v < 100 else f"{v:,.0f}" for v in row]
    shares = []
    for t, b in ratios:
        a, base = med.get((t, m)), med.get((b, m))
        shares.append(f"{a / base:.2f}" if a and base else "-")
    print(f"| {label} | " + " | ".join(cells) + " | " + " | ".join(shares) + " |")
    out[m] = {t: med.get((t, m)) for t in targets}
    out[m]["samples"] = {t: raw.get((t, m), []) for t in targets}
json.dump(out, open(sys.argv[2], "w"), indent=2)

#!/usr/bin/env python3
"""Draws dashboards/skein.json from a Prometheus server: every panel's queries over a time range, laid
out on the dashboard's grid. Grafana cannot be installed on the build machines, so this stands in for a
Grafana screenshot: same queries, same layout, evaluated by a real Prometheus.

    render.py <prometheus-url> <start-unix-seconds> <end-unix-seconds> <out.png>
"""
import json, re, sys, urllib.parse, urllib.request, datetime, os
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import matplotlib.dates as mdates

BG, PANEL, TEXT, GRID = "#111217", "#181b1f", "#ccccdc", "#2c3235"
COLORS = ["#73bf69", "#f2cc0c", "#5794f2", "#ff9830", "#f2495c", "#b877d9", "#8ab8ff", "#fade2a"]

def query(url, expr, start, end, step):
    expr = expr.replace("$__rate_interval", "20s").replace("$client_id", ".*")
    q = urllib.parse.urlencode({"query": expr, "start": start, "end": end, "step": step})
    with urllib.request.urlopen(f"{url}/api/v1/query_range?{q}", timeout=30) as r:
        body = json.load(r)
    if body.get("status") != "success":
        raise SystemExit(f"query failed: {expr}: {body}")
    return body["data"]["result"]

def legend(fmt, labels):
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m.group(1), ""), fmt)

def main():
    url, start, end, out = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    here = os.path.dirname(os.path.abspath(__file__))
    dash = json.load(open(os.path.join(here, "skein.json")))
    panels = dash["panels"]
    rows = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels)
    unit = 0.36  # inches per grid row
    fig = plt.figure(figsize=(22, (rows + 2.5) * unit), facecolor=BG)
    fig.suptitle(f'{dash["title"]}  ·  {datetime.datetime.utcfromtimestamp(start):%Y-%m-%d %H:%M}–'
                 f'{datetime.datetime.utcfromtimestamp(end):%H:%M} UTC', color=TEXT, x=0.01, y=0.995, ha="left", fontsize=13)
    W, H, TOP = 24.0, rows + 2.5, 2.0
    for p in panels:
        g = p["gridPos"]
        left, width = g["x"] / W + 0.035, g["w"] / W - 0.045
        bottom = 1 - (g["y"] + g["h"] + TOP) / H
        height = g["h"] / H - 0.012
        if p["type"] == "row":
            fig.text(0.01, 1 - (g["y"] + TOP + 0.6) / H, p["title"], color=TEXT, fontsize=12, weight="bold")
            continue
        ax = fig.add_axes([left, bottom + 0.01, width, height - 0.035], facecolor=PANEL)
        ax.set_title(p["title"], color=TEXT, fontsize=10, loc="left")
        i = 0
        for t in p["targets"]:
            for series in query(url, t["expr"], start, end, 2):
                xs = [datetime.datetime.utcfromtimestamp(float(v[0])) for v in series["values"]]
                ys = [float(v[1]) for v in series["values"]]
                ax.plot(xs, ys, color=COLORS[i % len(COLORS)], linewidth=1.2,
                        label=legend(t.get("legendFormat", ""), series["metric"]))
                i += 1
        ax.set_xlim(datetime.datetime.utcfromtimestamp(start), datetime.datetime.utcfromtimestamp(end))
        ax.tick_params(colors=TEXT, labelsize=7)
        ax.grid(color=GRID, linewidth=0.5)
        for s in ax.spines.values():
            s.set_color(GRID)
        ax.xaxis.set_major_locator(mdates.SecondLocator(bysecond=[0, 30]))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M:%S"))
        unit_name = p.get("fieldConfig", {}).get("defaults", {}).get("unit", "")
        if unit_name in ("bytes", "s"):
            ax.set_ylabel(unit_name, color=TEXT, fontsize=7)
        if i:
            ax.legend(loc="upper left", fontsize=6, facecolor=PANEL, edgecolor=GRID, labelcolor=TEXT, ncol=2)
        else:
            ax.text(0.5, 0.5, "no data", color=TEXT, ha="center", transform=ax.transAxes)
    fig.savefig(out, dpi=80, facecolor=BG)

if __name__ == "__main__":
    main()

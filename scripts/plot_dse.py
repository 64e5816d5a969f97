#!/usr/bin/python3
"""Plots of an `itera dse` output directory (matplotlib, no display needed):

  DIR/pareto.png   accuracy against latency for every evaluated point, coloured by
                   method (infeasible points hollow), the Pareto front of the feasible
                   points, and the baseline and the best design marked;
  DIR/layers.png   per-layer latency of the baseline and the best design, each bar split
                   into dense, low-rank and stall cycles.

    scripts/plot_dse.py DIR

It runs Debian's /usr/bin/python3 with python3-matplotlib (scripts/install-deps.sh).
"""
import csv
import json
import os
import sys


def fail(message):
    print(f"plot_dse: error: {message}", file=sys.stderr)
    sys.exit(1)


def short_name(layer):
    """model.layers.3.self_attn.q_proj.weight -> 3.q_proj; model.layers.*.mlp.up_proj -> up_proj."""
    name = layer[: -len(".weight")] if layer.endswith(".weight") else layer
    for prefix in ("model.layers.", "model."):
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    for part in ("self_attn.", "mlp."):
        name = name.replace(part, "")
    return name[2:] if name.startswith("*.") else name


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        sys.exit(0 if len(sys.argv) == 2 else 2)
    out = sys.argv[1]
    try:
        with open(os.path.join(out, "points.csv"), newline="") as f:
            rows = list(csv.DictReader(f))
        with open(os.path.join(out, "summary.json")) as f:
            summary = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        fail(f"'{out}' is not a finished itera dse output directory: {e}")
    # A point that does not run on its hardware has no latency (and a sensitivity design
    # that could not be allocated no accuracy): nothing to place on the plot.
    metric_key = summary.get("accuracy_metric", "")
    placed = [r for r in rows if r.get("latency_us") and r.get(metric_key)]
    skipped = len(rows) - len(placed)
    rows = placed
    if not rows:
        fail(f"{out}/points.csv has no point with a latency and an accuracy")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metric = summary["accuracy_metric"]
    label = metric + (" (proxy: relative weight error)" if summary.get("accuracy_is_proxy") else "")
    colours = {}
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    fig, ax = plt.subplots(figsize=(7.5, 5))
    for method in sorted({r["method"] for r in rows}):
        colours[method] = palette[len(colours) % len(palette)]
        for feasible in ("1", "0"):
            pts = [r for r in rows if r["method"] == method and r["feasible"] == feasible]
            if not pts:
                continue
            ax.scatter([float(r["latency_us"]) for r in pts], [float(r[metric]) for r in pts], s=18,
                       facecolors=colours[method] if feasible == "1" else "none", edgecolors=colours[method],
                       label=f"{method}" + ("" if feasible == "1" else " (infeasible)"))
    front = sorted((float(r["latency_us"]), float(r[metric])) for r in rows if r["pareto"] == "1")
    if front:
        ax.step([p[0] for p in front], [p[1] for p in front], where="post", color="black", linewidth=1,
                label="Pareto front")
    for role, marker in (("baseline", "s"), ("best", "*")):
        p = summary.get(role)
        if p:
            ax.scatter([p["latency_us"]], [p["accuracy"][metric]], marker=marker, s=160, facecolors="none",
                       edgecolors="red", linewidths=1.5, label=f"{role}: {p['label']}")
    ax.axhline(summary["accuracy_budget"], color="grey", linestyle=":", linewidth=1, label="accuracy budget")
    ax.set_xlabel("latency (us, simulated)")
    ax.set_ylabel(label)
    ax.set_yscale("log")
    ax.set_title("itera dse: accuracy against latency")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "pareto.png.tmp"), dpi=120, format="png")
    os.replace(os.path.join(out, "pareto.png.tmp"), os.path.join(out, "pareto.png"))
    plt.close(fig)

    designs = []
    for role in ("baseline", "best", "best_low_rank"):
        p = summary.get(role)
        if p and all(p["point"] != q["point"] for _, q in designs):
            designs.append((role.replace("_", " "), p))
    if not designs:
        print(f"wrote {out}/pareto.png (no baseline: no layers.png)"
              + (f" ({skipped} point(s) without a latency or accuracy left out)" if skipped else ""))
        return
    layers = [l["layer"] for l in designs[0][1]["layers"]]
    fig, ax = plt.subplots(figsize=(min(16, max(7.5, 0.45 * len(layers))), 5))
    width = 0.8 / len(designs)
    for i, (role, p) in enumerate(designs):
        by_name = {l["layer"]: l for l in p["layers"]}
        xs = [j + i * width for j in range(len(layers))]
        bottom = [0.0] * len(layers)
        for part, hatch in (("dense_cycles", ""), ("low_rank_cycles", "//"), ("stall_cycles", "..")):
            ys = [float(by_name.get(name, {}).get(part, 0)) for name in layers]
            ax.bar(xs, ys, width, bottom=bottom, hatch=hatch, color=palette[i], edgecolor="black",
                   linewidth=0.5, label=f"{role}: {part.replace('_cycles', '').replace('_', '-')}")
            bottom = [b + y for b, y in zip(bottom, ys)]
    ax.set_xticks([j + width * (len(designs) - 1) / 2 for j in range(len(layers))])
    ax.set_xticklabels([short_name(name) for name in layers], rotation=60, ha="right", fontsize=7)
    ax.set_ylabel("cycles (all repeats)")
    ax.set_title("per-layer latency: " + " vs ".join(f"{role} ({p['label']})" for role, p in designs))
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "layers.png.tmp"), dpi=120, format="png")
    os.replace(os.path.join(out, "layers.png.tmp"), os.path.join(out, "layers.png"))
    plt.close(fig)
    print(f"wrote {out}/pareto.png and {out}/layers.png"
          + (f" ({skipped} point(s) without a latency or accuracy left out)" if skipped else ""))


if __name__ == "__main__":
    main()

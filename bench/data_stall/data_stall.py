#!/usr/bin/env python3
"""Reads the commits.jsonl of the data-stall runs (bench/data_stall/run.sh) and writes bench/results/data_stall.md.

Each run is RUNS_DIR/N-dnD-gnG-rR.jsonl (N: the order of the runs, R: the round): one line per StepCommitted the coordinator received (generation, rank, step,
epoch, examples, step_seconds, data_wait_seconds, current, received_unix_seconds). Standard library only.
"""
import argparse
import json
import os
import re
import statistics
import sys

MAIN = (2, 2)  # (data nodes, GPU nodes) of the run the RESULT line is about


def load(path):
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    # Steps a regrouped run took from a checkpoint (their commits never arrived) carry no timings.
    rows = [r for r in rows if "adopted_from_checkpoint" not in r]
    generations = sorted({r["generation"] for r in rows})
    # A run that regrouped (a trainer lost) would repeat steps in a later generation; only the last one counts.
    last = generations[-1] if generations else None
    return [r for r in rows if r["generation"] == last], generations


def refusals(logs):
    """Batch requests a DataNode refused (BatchUnavailable, as the trainers log them), by the batch's epoch."""
    counts = {}
    if not os.path.isdir(logs):
        return counts
    for name in sorted(os.listdir(logs)):
        if not name.startswith("gpu-"):
            continue
        with open(os.path.join(logs, name), encoding="utf-8", errors="replace") as f:
            for line in f:
                match = re.search(r"batch e(\d+)-\S+ unavailable", line)
                if match:
                    epoch = int(match.group(1))
                    counts[epoch] = counts.get(epoch, 0) + 1
    return counts


def analyse(rows, warmup):
    """One run: its measured commits (steps after the warm-up that every rank committed) and the figures over them."""
    ranks = sorted({r["rank"] for r in rows})
    steps = sorted({r["step"] for r in rows})
    by_step = {}
    for r in rows:
        by_step.setdefault(r["step"], {})[r["rank"]] = r
    incomplete = [s for s in steps if len(by_step[s]) != len(ranks)]
    measured = [s for s in steps if s > warmup and s not in incomplete]
    # The first step of each epoch after the first: its wait includes the round trip for the next epoch's schedule.
    epoch_starts = set()
    seen_epochs = set()
    for s in steps:
        epoch = min(r["epoch"] for r in by_step[s].values())
        if epoch not in seen_epochs:
            seen_epochs.add(epoch)
            if s != steps[0]:
                epoch_starts.add(s)
    # Wall clock: from the commit that completed the last warm-up step to the one that completed the last step.
    wall = None
    start_step = max([s for s in steps if s <= warmup], default=None)
    if measured and start_step is not None and all("received_unix_seconds" in r for r in rows):
        start = max(r["received_unix_seconds"] for r in by_step[start_step].values())
        end = max(r["received_unix_seconds"] for r in by_step[measured[-1]].values())
        wall = end - start
    result = figures([[by_step[s][k] for k in ranks] for s in measured], epoch_starts)
    result.update({
        "last_step": steps[-1] if steps else 0,
        "incomplete": incomplete,
        "epochs": len(seen_epochs),
        "wall": wall,
        "wall_throughput": result["examples"] / wall if wall else float("nan"),
        "warmup_wait": sum(r["data_wait_seconds"] for s in steps if s <= warmup for r in by_step[s].values()),
    })
    return result


def figures(step_rows, epoch_starts):
    """Stall and throughput over measured steps, each a list of every rank's commit of that step (several runs of one
    configuration may be pooled: their lists are concatenated)."""
    flat = [r for rows in step_rows for r in rows]
    wait = sum(r["data_wait_seconds"] for r in flat)
    step = sum(r["step_seconds"] for r in flat)
    group_step = [max(r["step_seconds"] for r in rows) for rows in step_rows]
    group_wait = [max(r["data_wait_seconds"] for r in rows) for rows in step_rows]
    examples = sum(r["examples"] for r in flat)
    per_rank = []
    for k in sorted({r["rank"] for r in flat}):
        mine = [r for r in flat if r["rank"] == k]
        rw = sum(r["data_wait_seconds"] for r in mine)
        rs = sum(r["step_seconds"] for r in mine)
        per_rank.append({
            "rank": k,
            "steps": len(mine),
            "examples": sum(r["examples"] for r in mine),
            "step": rs,
            "wait": rw,
            "ratio": rw / rs if rs > 0 else float("nan"),
            "median_step": statistics.median(r["step_seconds"] for r in mine),
            "max_wait": max(r["data_wait_seconds"] for r in mine),
        })
    return {
        "ranks": len(per_rank),
        "measured": len(step_rows),
        "step_rows": step_rows,
        "epoch_starts": epoch_starts,
        "wait": wait,
        "step": step,
        "ratio": wait / step if step > 0 else float("nan"),
        "group_ratio": sum(group_wait) / sum(group_step) if group_step else float("nan"),
        "boundary_wait": sum(r["data_wait_seconds"] for r in flat if r["step"] in epoch_starts),
        "boundaries": len({rows[0]["step"] for rows in step_rows} & epoch_starts),
        "examples": examples,
        "median_step": statistics.median(group_step) if group_step else float("nan"),
        "throughput": examples / sum(group_step) if group_step else float("nan"),
        "max_wait": max((r["data_wait_seconds"] for r in flat), default=0.0),
        "per_rank": per_rank,
    }


def f(x, digits=3):
    return "n/a" if x is None or x != x else f"{x:.{digits}f}"


def pooled(results):
    """The figures of a configuration over all its runs."""
    result = figures([rows for r in results for rows in r["step_rows"]], set().union(*(r["epoch_starts"] for r in results)))
    result["boundaries"] = sum(r["boundaries"] for r in results)
    result["warmup_wait"] = sum(r["warmup_wait"] for r in results)
    return result


def best(results, key):
    values = [r[key] for r in results if r[key] == r[key]]
    return max(values) if values else float("nan")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", required=True, help="folder with N-dnD-gnG-rR.jsonl files")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--steps", type=int, required=True)
    p.add_argument("--report", required=True)
    p.add_argument("--machine", default="")
    p.add_argument("--load-before", default="")
    p.add_argument("--load-after", default="")
    p.add_argument("--started", default="")
    p.add_argument("--elapsed", type=float, default=0.0)
    p.add_argument("--runtime", default="")
    p.add_argument("--omp", default="")
    p.add_argument("--corpus", default="")
    a = p.parse_args()

    runs = {}  # (data nodes, GPU nodes) -> results of its repetitions, in the order they ran
    order = []
    names = {}
    for name in os.listdir(a.runs):
        match = re.fullmatch(r"(\d+)-dn(\d+)-gn(\d+)-r(\d+)\.jsonl", name)
        if match:
            names[name] = tuple(int(g) for g in match.groups())
    for name, (_, dn, gn, rep) in sorted(names.items(), key=lambda kv: kv[1]):
        key = (dn, gn)
        rows, generations = load(os.path.join(a.runs, name))
        if not rows:
            sys.exit(f"{name}: no commits")
        result = analyse(rows, a.warmup)
        result["generations"] = generations
        result["repetition"] = rep
        result["refused"] = refusals(os.path.join(a.runs, name[:-len(".jsonl")] + ".logs"))
        runs.setdefault(key, []).append(result)
        order.append((key, result))
    if MAIN not in runs:
        sys.exit(f"the main run dn{MAIN[0]}-gn{MAIN[1]} is missing")
    main_run = pooled(runs[MAIN])
    repetitions = max(len(v) for v in runs.values())

    out = []
    w = out.append
    w("# Data stall: trainer time spent waiting for batches, and scaling on the CPU")
    w("")
    w(f"`bench/data_stall/run.sh` ({a.started}; {a.machine}): the embedded demo (`cluster demo`, tiny Whisper d_model 128, "
      f"2 encoder + 1 decoder layers, batch 8 clips of at most 4 s per rank, `credits_per_trainer: 4`) trained for "
      f"{a.steps} steps per run with DataNodes and GpuNodes as local processes on the CPU, {a.corpus}. "
      f"{len(runs)} configurations, {repetitions} round(s) of all of them in turn (so that changes in the machine's load "
      f"hit every configuration alike); every run starts from fresh weights (the checkpoints and run folders are deleted "
      f"between runs; the corpus is synthesized once and reused). The first {a.warmup} steps of each run are warm-up and "
      f"left out of every figure. {a.runtime} {a.omp}")
    w("")
    w(f"Load average {a.load_before} before and {a.load_after} after; the whole bench (build, corpus, {len(order)} runs) "
      f"took {a.elapsed / 60:.1f} min.")
    w("")
    w("**Taken on a shared 2-core machine**: the coordinator, every DataNode and every GpuNode (2 libtorch threads each) "
      "share the same 2 cores, with other people's builds and tests running at the same time; treat throughputs as "
      "lower bounds. A configuration's throughput below is the best of its runs (the one least disturbed).")
    w("")
    w("## What is measured")
    w("")
    w("Each trainer reports, with every `StepCommitted`, `step_seconds` and `data_wait_seconds` "
      "(`src/GpuNode/TrainerActor.cs`), recorded by the coordinator in `runs/demo/commits.jsonl`:")
    w("")
    w("- `data_wait_seconds`: from the moment the trainer is free to train (its group has formed, or its previous "
      "step's work is done, rank 0's evaluation and checkpoint included) until every batch of the step has arrived; "
      "at an epoch boundary it includes waiting for the next epoch's `EpochSchedule` and for its first batches "
      "(credits do not reach across epochs).")
    w("- `step_seconds`: that wait plus `TrainerCore.TrainStep` (decode the batch tensors, forward, backward, bucketed "
      "all-reduce, clip, AdamW). Evaluation and checkpointing are outside it on every rank: after an evaluation or "
      "checkpoint step every rank meets rank 0 at a barrier whose time counts nowhere.")
    w("- Not counted anywhere: actor-mailbox hand-offs between the trainer actor and its compute thread (a step's "
      "result reaching the actor, the next step reaching the thread).")
    w("")
    w("**Stall ratio** = Σ `data_wait_seconds` / Σ `step_seconds` over every rank's measured steps (the RESULT, pooled "
      "over the runs of the configuration). The *group* ratio takes, step by step, the longest wait and the longest "
      "step over the ranks (a rank that waits holds the others in the all-reduce, where their wait counts as step "
      "time). **Throughput** = examples trained in the measured steps / Σ over those steps of the slowest rank's "
      "`step_seconds` (training time only); *wall* throughput divides by the time between the coordinator receiving "
      "the last warm-up step and the last step (`received_unix_seconds`), evaluations and checkpoints included.")
    w("")
    w("## All runs")
    w("")
    w("| round | DataNodes | GpuNodes | measured steps | epochs | examples | median step (s) | examples/s | wall examples/s | Σ wait (s) | stall ratio | group ratio | wait at epoch starts (s) | longest wait (s) | refused requests (epoch 0 / later) |")
    w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (dn, gn), r in order:
        w(f"| {r['repetition']} | {dn} | {gn} | {r['measured']} | {r['epochs']} | {r['examples']} | {f(r['median_step'])} | "
          f"{f(r['throughput'], 1)} | {f(r['wall_throughput'], 1)} | {f(r['wait'])} | {f(r['ratio'])} | {f(r['group_ratio'])} | "
          f"{f(r['boundary_wait'])} | {f(r['max_wait'])} | {r['refused'].get(0, 0)} / {sum(v for k, v in r['refused'].items() if k > 0)} |")
    w("")
    w("*Refused requests*: `BatchUnavailable` answers the trainers logged (a request reached a DataNode that did not own "
      "the batch's shard, or not yet: the trainer then waits for the coordinator to send the shard owners again, "
      "1.5 s after an assignment changed). In epoch 0 they come from the start, when the second DataNode joins and "
      "takes over shards.")
    w("")
    notes = []
    for (dn, gn), r in order:
        name = f"round {r['repetition']}, {dn} DataNode(s) + {gn} GpuNode(s)"
        if len(r["generations"]) > 1:
            notes.append(f"{name} regrouped (generations {r['generations']}); only the last generation's commits count.")
        if r["incomplete"]:
            notes.append(f"{name}: steps {r['incomplete']} lack a rank's commit and are left out.")
        if r["last_step"] != a.steps:
            notes.append(f"{name} ended at step {r['last_step']}, not {a.steps}.")
    for n in notes:
        w(f"- {n}")
    if notes:
        w("")

    w(f"## Stall in the demo with {MAIN[0]} DataNodes and {MAIN[1]} GpuNodes")
    w("")
    w(f"Pooled over its {len(runs[MAIN])} run(s):")
    w("")
    w("| rank | steps | examples | Σ step (s) | Σ wait (s) | wait / step | median step (s) | longest wait (s) |")
    w("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for pr in main_run["per_rank"]:
        w(f"| {pr['rank']} | {pr['steps']} | {pr['examples']} | {f(pr['step'])} | {f(pr['wait'])} | {f(pr['ratio'], 4)} | "
          f"{f(pr['median_step'])} | {f(pr['max_wait'])} |")
    w(f"| all | {main_run['measured']} | {main_run['examples']} | {f(main_run['step'])} | {f(main_run['wait'])} | "
      f"{f(main_run['ratio'], 4)} | {f(main_run['median_step'])} | {f(main_run['max_wait'])} |")
    w("")
    longest = sorted(((c["data_wait_seconds"], r["repetition"], c["step"], c["rank"], c["epoch"], c["step"] in r["epoch_starts"])
                      for r in runs[MAIN] for rows in r["step_rows"] for c in rows), reverse=True)[:5]
    w("Longest waits: " + "; ".join(
        f"{wait:.3f} s (round {rep}, step {step}, rank {rank}, epoch {epoch}{', its first step' if first else ''})"
        for wait, rep, step, rank, epoch, first in longest) + ".")
    w("")
    share = main_run["boundary_wait"] / main_run["wait"] if main_run["wait"] > 0 else 0.0
    w(f"Group ratio {f(main_run['group_ratio'], 4)}; {f(main_run['throughput'], 1)} examples/s over all its measured steps. "
      f"Of the {f(main_run['wait'])} s waited, {f(main_run['boundary_wait'])} s ({share:.0%}) fell on the first step of "
      f"an epoch ({main_run['boundaries']} epoch starts among the measured steps, "
      f"{f(main_run['boundary_wait'] / max(1, main_run['boundaries'] * main_run['ranks']))} s per rank and epoch start). "
      f"The warm-up steps (left out) waited {f(main_run['warmup_wait'])} s in all.")
    w("")

    w("## Scaling from 1 to 2 GpuNodes")
    w("")
    one, two = runs.get((MAIN[0], 1)), runs[MAIN]
    if one:
        t1, t2 = best(one, "throughput"), best(two, "throughput")
        w1, w2 = best(one, "wall_throughput"), best(two, "wall_throughput")
        m1 = statistics.median(r["median_step"] for r in one)
        m2 = statistics.median(r["median_step"] for r in two)
        w(f"Same per-rank batch (8 clips), {MAIN[0]} DataNodes: {f(t1, 1)} examples/s with 1 GpuNode, {f(t2, 1)} with 2. "
          f"Scaling efficiency = throughput(2) / (2 × throughput(1)) = **{t2 / (2 * t1):.2f}** "
          f"({w2 / (2 * w1):.2f} from wall-clock throughput); median step {f(m1)} s with 1 GpuNode, {f(m2)} s with 2.")
    else:
        w("(the 1-GpuNode run is missing)")
    w("")
    w("On this machine the figure is bounded by the CPU, not by the cluster: one GpuNode's libtorch already has both "
      "cores (2 intra-op threads; with 2 GpuNodes the launcher gives each 1, OMP_NUM_THREADS = cores / GpuNodes), so a "
      "second GpuNode adds no compute; the two split the same 2 cores (with the "
      "coordinator and the DataNodes) and add a gradient all-reduce (Gloo over loopback) per step. An efficiency of "
      "0.5 means the two trainers together do what one did alone; above 0.5, one trainer alone left part of the 2 "
      "cores idle (the tiny model's ops are too small to keep 2 threads busy). The ideal 1.0 needs its own cores (or "
      "GPU) per GpuNode.")
    w("")

    w("## 1 vs 3 DataNodes")
    w("")
    d1, d3 = runs.get((1, MAIN[1])), runs.get((3, MAIN[1]))
    if d1 and d3:
        t1, t3 = best(d1, "throughput"), best(d3, "throughput")
        w1, w3 = best(d1, "wall_throughput"), best(d3, "wall_throughput")
        s1, s3 = pooled(d1), pooled(d3)
        w(f"{MAIN[1]} GpuNodes: {f(t1, 1)} examples/s with 1 DataNode, {f(t3, 1)} with 3: ratio 3/1 = **{t3 / t1:.2f}** "
          f"(wall clock {f(w1, 1)} → {f(w3, 1)}, ratio {w3 / w1:.2f}). Stall ratio {f(s1['ratio'])} with 1 DataNode, "
          f"{f(s3['ratio'])} with 3.")
        w("")
        w(f"With 1 DataNode the trainers waited for data {s1['ratio']:.1%} of their step time, so more DataNodes can "
          f"make training at most that much faster here; a larger difference either way comes from the CPU the extra "
          f"DataNode processes take (they share the trainers' 2 cores) and from the machine's load, not from the data "
          f"path. 3 DataNodes beat 1 only where one DataNode cannot build batches as fast as the trainers take them "
          f"(bigger batches, long clips, or trainers on GPUs); `bench/results/batch_streaming.md` has a DataNode's "
          f"build and send rates.")
    else:
        w("(a run is missing)")
    w("")
    w("## Findings")
    w("")
    target = 0.02
    verdict = "meets" if main_run["ratio"] <= target else "misses"
    inside = main_run["wait"] - main_run["boundary_wait"]
    w(f"- The stall ratio {main_run['ratio']:.4f} {verdict} the target {target}. Steps inside an epoch waited "
      f"{inside:.3f} s in all ({inside / main_run['step']:.2%} of the step time): "
      + ("with `credits_per_trainer: 4` batches requested ahead per trainer, the next batches are almost always "
         "there when a step ends." if inside / main_run["step"] <= target / 2 else
         "batches often arrive after the step that needs them could start, even with `credits_per_trainer: 4` "
         "batches requested ahead per trainer."))
    if main_run["boundaries"] > 0:
        boundary_target = 0.20
        w(f"- {share:.0%} of the wait falls on the first step of an epoch (target: below {boundary_target:.0%}, "
          f"{'met' if share < boundary_target else 'not met'}). The coordinator sends epoch N+1's schedule and shard "
          f"assignments while epoch N trains (`UpcomingEpoch`), and a trainer requests N+1's first batches with the "
          f"credits N's last steps free, so no epoch start waits for a schedule's round trip and a pipeline refill. "
          f"(Before that change, 96% of the wait fell on epoch starts in this bench: 0.032 s per rank and epoch start, "
          f"2026-12-06.)")
    w("- Fixed with this bench (`DataNodeActor`): at an epoch start a trainer's request could overtake the "
      "coordinator's `AssignShards` to the DataNode (they travel over different connections) and was refused; the "
      "trainer then waited for the coordinator to send the shard owners again (1.5 s after an assignment changes), "
      "and the whole group with it. A request for an epoch newer than the DataNode's assignment now waits at the "
      "DataNode for that assignment; *refused requests* above counts any that are still refused after epoch 0.")
    w("- Measurement fixes made with this bench (`TrainerActor`): `data_wait_seconds` used to start when the "
      "`EpochSchedule` arrived, so it counted the group's forming (rendezvous, weight broadcast) in the first step and "
      "left out the wait for a next epoch's schedule; and ranks other than 0 counted rank 0's evaluation and checkpoint "
      "as training time of the following step (they waited for rank 0 in its first all-reduce). See *What is measured*.")
    w("")
    w(f"RESULT data_stall ratio={main_run['ratio']:.3f} target=0.02")
    text = "\n".join(out) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(a.report)), exist_ok=True)
    with open(a.report, "w", encoding="utf-8") as fh:
        fh.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Interleaved A/B timing of whole commands, for small differences on a noisy machine.

    benches/ab.py ROUNDS 'COMMAND 0' 'COMMAND 1' [...]

Each round runs every command once, in a fresh random order, so the machine's drift (this VM's
page-fault cost changes within minutes) falls on all sides alike; hyperfine runs one command's
runs back to back, and its ratio then carries the drift. Three rounds of warm-up come first.
Prints each command's median and minimum wall time, and for every command after the first the
median of its per-round ratios to command 0 with a 95 % bootstrap interval (1,000 resamples).
Commands are split like a shell would (no pipes; leading NAME=VALUE words set the command's
environment); their output goes to /dev/null; a command that exits non-zero stops the run.
"""
import os
import random
import shlex
import statistics
import sys
import time

WARMUP = 3


def main(argv):
    if len(argv) < 3 or not argv[1].isdigit():
        sys.exit(__doc__)
    rounds, commands = int(argv[1]), [shlex.split(c) for c in argv[2:]]
    environments = []
    for words in commands:
        env = dict(os.environ)
        while words and "=" in words[0] and not words[0].startswith("="):
            name, value = words.pop(0).split("=", 1)
            env[name] = value
        environments.append(env)
    times = [[] for _ in commands]
    null = os.open(os.devnull, os.O_WRONLY)
    actions = [(os.POSIX_SPAWN_DUP2, null, 1), (os.POSIX_SPAWN_DUP2, null, 2)]
    for r in range(WARMUP + rounds):
        order = list(range(len(commands)))
        random.shuffle(order)
        for i in order:
            start = time.perf_counter()
            pid = os.posix_spawnp(commands[i][0], commands[i], environments[i], file_actions=actions)
            _, status = os.waitpid(pid, 0)
            elapsed = time.perf_counter() - start
            if status != 0:
                sys.exit(f"exit status {status}: {shlex.join(commands[i])}")
            if r >= WARMUP:
                times[i].append(elapsed)
    for i, command in enumerate(commands):
        line = f"[{i}] median {1000 * statistics.median(times[i]):.3f} ms, min {1000 * min(times[i]):.3f} ms"
        if i:
            ratios = [a / b for a, b in zip(times[i], times[0])]
            boot = sorted(statistics.median(random.choices(ratios, k=len(ratios))) for _ in range(1000))
            line += f", ratio to [0] {statistics.median(ratios):.3f} (95 %: {boot[25]:.3f} to {boot[975]:.3f})"
        print(f"{line}\n    {shlex.join(command)}")


if __name__ == "__main__":
    main(sys.argv)

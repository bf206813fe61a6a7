#!/usr/bin/python3
"""End-to-end tests of `resolve batch`: every result equals the single run of the same job,
at any thread count; bad lines are that line's error; shards (GNU parallel, the schedulers'
environment) add up to the whole; one load serves every job.

usage: batch_e2e.py BIN_DIR SOURCE_DIR FIXTURE_DIR [unittest args...]
"""
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest

import resolve_e2e as e2e

RESOLVE = e2e.RESOLVE
SRC = e2e.SRC
TARGET = ["--python-version", "3.11.7", "--python-platform", "linux"]
# The batch's results go to the terminal line by line: nothing else may be on stdout.
PREFIX = re.compile(r'^\{"id": (null|"[^"]*"|-?\d+), "line": (\d+), "exit_code": (\d), "error": ')
TIMINGS = re.compile(r'"timings_ms": \{[^}]*\}')


def without_timings(text):
    return TIMINGS.sub('"timings_ms": {}', text)


def document_of(result_line):
    """The `resolve --format json` document a resolved result carries, as one line."""
    match = PREFIX.match(result_line)
    assert match and match.group(3) == "0", result_line[:200]
    rest = result_line[match.end():]
    assert rest.startswith("null, "), rest[:50]
    return "{" + rest[len("null, "):]


def one_line(document):
    return re.sub(r"\n *", "", document)


class batch_test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.black = e2e.snapshot_tree()
        cls.uni = e2e.universe_index("cli-universe", e2e.UNIVERSE)
        cls.forks = e2e.universe_index("cli-fork-universe", e2e.FORK_UNIVERSE)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pyresolve-batch-")
        self.cache = os.path.join(self.tmp, "cache")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("PYRESOLVE_", "SLURM_", "JOB_COMPLETION")) and k != "NO_COLOR"}
        env.update(extra)
        return env

    def jobs_file(self, jobs, name="jobs.jsonl"):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            for job in jobs:
                f.write((job if isinstance(job, str) else json.dumps(job)) + "\n")
        return path

    def batch(self, jobs_path, *args, index=None, env=None, stdin=None):
        index = index or self.black
        argv = [RESOLVE, "batch", jobs_path, "--index-url", e2e.file_url(index),
                "--cache-dir", self.cache, *TARGET, *args]
        return subprocess.run(argv, capture_output=True, text=True, env=env or self.env(), cwd=self.tmp,
                              input=stdin, timeout=600)

    def results(self, proc):
        out = {}
        for line in proc.stdout.splitlines():
            match = PREFIX.match(line)
            self.assertIsNotNone(match, line[:200])
            out[int(match.group(2))] = line
        return out

    def single(self, result_line, stdin):
        """The single `resolve` run of the command a resolved result names."""
        document = json.loads(result_line)
        argv = [RESOLVE, *shlex.split(document["command"])[1:]]
        proc = subprocess.run(argv, capture_output=True, text=True, env=self.env(), cwd=self.tmp, input=stdin,
                              timeout=600)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return one_line(proc.stdout)

    def test_every_result_equals_its_single_run_at_1_2_and_8_threads(self):
        jobs = [
            {"id": "black", "file": os.path.join(SRC, "data", "uv-requirements", "black.in")},
            {"id": "jupyter", "file": os.path.join(SRC, "data", "uv-requirements", "jupyter.in")},
            {"id": 3, "requirements": ["black<23", "click"]},
            {"id": "py38", "requirements": ["black"], "python_version": "3.8"},
            {"id": "universal", "requirements": ["black"], "universal": True},
            {"id": "lowest", "requirements": ["click"], "resolution": "lowest-direct"},
            {"id": "hashes", "requirements": ["click"], "generate_hashes": True, "no_annotate": True},
            {"id": "none", "requirements": ["black>=99"]},
        ]
        stdin_of = {"black": "", "jupyter": ""}
        for job in jobs:
            if "requirements" in job:
                stdin_of[job["id"]] = "".join(r + "\n" for r in job["requirements"])
        path = self.jobs_file(jobs)
        seen = {}
        for threads in ("1", "2", "8"):
            proc = self.batch(path, "--threads", threads, "--offline" if seen else "--no-progress")
            self.assertEqual(proc.returncode, 0, proc.stderr)
            got = self.results(proc)
            self.assertEqual(sorted(got), list(range(1, len(jobs) + 1)))
            self.assertIn(f"Ran {len(jobs)} jobs in", proc.stderr)
            self.assertIn("7 resolved, 1 without a solution, 0 failed", proc.stderr)
            for line_number, line in got.items():
                record = json.loads(line)
                self.assertEqual(record["id"], jobs[line_number - 1]["id"])
                self.assertEqual(record["line"], line_number)
                if record["id"] == "none":
                    self.assertEqual(record["exit_code"], 1)
                    self.assertIn("No solution found", record["error"])
                    self.assertNotIn("schema", record)
                    continue
                self.assertEqual(record["exit_code"], 0, record.get("error"))
                self.assertIsNone(record["error"])
                # The job's own options reached its resolve.
                if record["id"] == "py38":
                    self.assertEqual(record["python_version"], "3.8")
                if record["id"] == "universal":
                    self.assertIn("universal", record)
                if record["id"] == "hashes":
                    self.assertTrue(all(f["sha256"] for p in record["packages"] for f in p["files"]))
                if threads == "1":
                    # Byte for byte the single run's document (timings aside).
                    self.assertEqual(without_timings(document_of(line)),
                                     without_timings(self.single(line, stdin_of[record["id"]])), record["id"])
                key = without_timings(line).replace(" --offline", "").replace(" --no-progress", "")
                key = re.sub(r" --threads \d", "", key)
                # The same answer at every thread count.
                self.assertEqual(seen.setdefault(line_number, key), key, record["id"])

    def test_bad_lines_are_their_own_errors_and_the_rest_runs(self):
        jobs = [
            {"id": "ok", "requirements": ["app"]},
            "this is not json",
            "",
            '{"id": "unknown", "requirements": ["app"], "frobnicate": true}',
            {"id": "missing", "file": os.path.join(self.tmp, "no-such.in")},
            {"id": "threads", "requirements": ["app"], "threads": 3},
            {"id": "badvalue", "requirements": ["app"], "resolution": "sideways"},
            "[1, 2]",
            '{"id": "x", "requirements": ["app"]',
            "   ",
            {"id": "last", "requirements": ["lib<2"]},
        ]
        path = self.jobs_file(jobs)
        with open(path, "a") as f:
            f.write('{"id": "long", "requirements": ["' + "a" * (1 << 20) + '"]}\n')
            f.write('{"id": "after-long", "requirements": ["lib"]}')  # no final line break
        proc = self.batch(path, index=self.uni)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        got = {json.loads(line)["line"]: json.loads(line) for line in proc.stdout.splitlines()}
        self.assertEqual(sorted(got), [1, 2, 4, 5, 6, 7, 8, 9, 11, 12, 13])
        self.assertEqual(got[1]["exit_code"], 0)
        self.assertEqual([p["name"] for p in got[1]["packages"]], ["app", "lib"])
        self.assertEqual(got[11]["packages"][0]["version"], "1.0")
        self.assertEqual(got[13]["id"], "after-long")
        self.assertEqual(got[13]["exit_code"], 0)
        for n in (2, 4, 6, 7, 8, 9, 12):
            self.assertEqual(got[n]["exit_code"], 2, got[n])
            self.assertTrue(got[n]["error"].startswith(f"{path}:{n}: "), got[n]["error"])
            self.assertNotIn("packages", got[n])
        self.assertIn("frobnicate", got[4]["error"])
        self.assertIn("the whole batch's", got[6]["error"])
        self.assertIn("sideways", got[7]["error"])
        self.assertIn("longer than", got[12]["error"])
        # A job that ran and failed is that job's error, not bad input.
        self.assertEqual(got[5]["exit_code"], 2)
        self.assertIn("no-such.in", got[5]["error"])
        self.assertFalse(got[5]["error"].startswith(path))
        self.assertIn("7 not a job", proc.stderr)
        # Without the bad lines the batch exits 0, even with a failed and an unsatisfiable job.
        path = self.jobs_file([{"id": "missing", "file": "nope.in"}, {"id": "none", "requirements": ["lib>9"]},
                               {"id": "ok", "requirements": ["lib"]}], "fine.jsonl")
        proc = self.batch(path, index=self.uni)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(sorted(json.loads(l)["exit_code"] for l in proc.stdout.splitlines()), [0, 1, 2])

    def test_the_batch_itself_refuses_bad_flags_and_files(self):
        path = self.jobs_file([{"requirements": ["lib"]}])
        for args, message in ((["-o", "x.txt"], "no -o"), (["--format", "pylock.toml"], "results are JSON"),
                              (["--shard", "3/3"], "--shard 3/3"), (["--shard", "auto"], "JOB_COMPLETION_INDEX"),
                              (["--max-in-flight", "0"], "positive"), (["--frobnicate"], "frobnicate"),
                              (["extra.in"], "the sources come from the jobs")):
            proc = self.batch(path, *args, index=self.uni)
            self.assertEqual(proc.returncode, 2, args)
            self.assertIn(message, proc.stderr, args)
            self.assertEqual(proc.stdout, "")
        proc = subprocess.run([RESOLVE, "batch"], capture_output=True, text=True, env=self.env())
        self.assertEqual(proc.returncode, 2)
        self.assertIn("needs a jobs file", proc.stderr)
        proc = subprocess.run([RESOLVE, "batch", "--help"], capture_output=True, text=True, env=self.env())
        self.assertEqual(proc.returncode, 0)
        self.assertTrue(proc.stdout.startswith("usage: resolve batch JOBS [OPTIONS]"), proc.stdout)
        proc = subprocess.run([RESOLVE, "--help"], capture_output=True, text=True, env=self.env())
        self.assertIn("resolve batch JOBS.jsonl", proc.stdout)
        proc = self.batch(os.path.join(self.tmp, "absent.jsonl"), index=self.uni)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("absent.jsonl", proc.stderr)
        proc = self.batch(self.tmp, index=self.uni)  # a folder
        self.assertEqual(proc.returncode, 2)
        self.assertIn("is not a regular file", proc.stderr)

    def shard_jobs(self):
        names = ["app", "lib", "speed", "left", "right", "beta", "srconly", "winonly"]
        jobs = [{"id": f"{a}+{b}", "requirements": [a, b]} for a in names for b in names if a < b]
        return jobs + ["not a job", '{"file": "nope.in"}']

    def merged(self, outputs):
        lines = [without_timings(l) for out in outputs for l in out.splitlines()]
        # The command a result names differs by the shard's flags only.
        drop = r" --(shard|threads)[= ]\S+| --no-progress"
        return sorted(re.sub(r'"line": \d+, ', "", re.sub(drop, "", l)) for l in lines)

    def test_shards_run_by_gnu_parallel_add_up_to_the_whole(self):
        path = self.jobs_file(self.shard_jobs())
        whole = self.batch(path, index=self.uni)
        self.assertEqual(whole.returncode, 2)  # the bad line
        url = e2e.file_url(self.uni)
        shards = os.path.join(self.tmp, "shards")
        os.makedirs(shards)
        cmd = [shutil.which("parallel"), "-j2", "--halt", "never",
               f"{RESOLVE} batch {path} --shard {{}}/3 --index-url {url} --cache-dir {self.cache} "
               f"{' '.join(TARGET)} > {shards}/{{}}.jsonl", ":::", "0", "1", "2"]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=self.env(), cwd=self.tmp)
        self.assertIn(proc.returncode, (0, 1), proc.stderr)  # parallel: how many shards exited non-zero
        outputs = [e2e.read(os.path.join(shards, f"{i}.jsonl")) for i in range(3)]
        self.assertTrue(all(out.strip() for out in outputs), "a shard ran nothing")
        self.assertEqual(self.merged(outputs), self.merged([whole.stdout]))
        # The split depends on the ids, not on the order of the lines.
        lines = e2e.read(path).splitlines()
        random.Random(7).shuffle(lines)
        shuffled = self.jobs_file(lines, "shuffled.jsonl")
        ids = lambda out: sorted(json.loads(l)["id"] or "" for l in out.splitlines())
        for i in range(3):
            again = self.batch(shuffled, "--shard", f"{i}/3", index=self.uni)
            self.assertEqual(ids(again.stdout), ids(outputs[i]), i)
        # The schedulers' environment names the shard: a Kubernetes Indexed Job, a Slurm array.
        k8s = self.batch(path, "--shard", "auto/3", index=self.uni, env=self.env(JOB_COMPLETION_INDEX="1"))
        self.assertEqual(ids(k8s.stdout), ids(outputs[1]))
        slurm = self.batch(path, "--shard", "auto", index=self.uni,
                           env=self.env(SLURM_ARRAY_TASK_ID="12", SLURM_ARRAY_TASK_MIN="10",
                                        SLURM_ARRAY_TASK_COUNT="3"))
        self.assertEqual(ids(slurm.stdout), ids(outputs[2]))
        # deploy/slurm's array script, run as its three tasks would be.
        results = os.path.join(self.tmp, "slurm-results")
        for i in range(3):
            task = subprocess.run(
                ["bash", os.path.join(SRC, "deploy", "slurm", "resolve-batch.sbatch")], capture_output=True,
                text=True, cwd=self.tmp,
                env=self.env(JOBS=path, RESULTS=results, INDEX_URL=url, RESOLVE=RESOLVE, CACHE=self.cache,
                             RESOLVE_ARGS=" ".join(TARGET), SLURM_ARRAY_TASK_ID=str(i), SLURM_ARRAY_TASK_MIN="0",
                             SLURM_ARRAY_TASK_COUNT="3", SLURM_CPUS_PER_TASK="2"))
            self.assertIn(task.returncode, (0, 2), task.stderr)
        self.assertEqual(sorted(os.listdir(results)), [f"shard-{i}.jsonl" for i in range(3)])
        merged = [e2e.read(os.path.join(results, f"shard-{i}.jsonl")) for i in range(3)]
        self.assertEqual(self.merged(merged), self.merged([whole.stdout]))

    def test_one_load_serves_every_job(self):
        server = e2e.nginx(self.uni)
        try:
            jobs = [{"id": i, "requirements": ["app", "speed"] if i % 2 else ["left", "lib"]} for i in range(12)]
            path = self.jobs_file(jobs)
            argv = [RESOLVE, "batch", path, "--index-url", server.url, "--cache-dir", self.cache, *TARGET,
                    "--threads", "2", "-v"]
            proc = subprocess.run(argv, capture_output=True, text=True, env=self.env(), cwd=self.tmp, timeout=300)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertEqual(len(proc.stdout.splitlines()), 12)
            log = e2e.read(os.path.join(server.state, "access.log")).splitlines()
            urls = [line.split('"')[1].split()[1] for line in log if '"' in line]
            self.assertGreater(len(urls), 0)
            self.assertEqual(len(urls), len(set(urls)), urls)  # each page and metadata file once
            self.assertIn("index stacks: 1 opened, 0 replaced", proc.stderr)
            self.assertRegex(proc.stderr, r"allocations: \d+ allocs, \d+ frees, .* \d+ cross-thread frees")
        finally:
            server.stop()

    def test_stacks_are_replaced_past_their_project_limit_with_the_same_answers(self):
        jobs = [{"id": i, "requirements": ["app", "lib<3"] if i % 2 else ["right"]} for i in range(8)]
        path = self.jobs_file(jobs)
        usual = self.batch(path, "-v", "--threads", "2", index=self.uni)
        small = self.batch(path, "-v", "--threads", "2", "--stack-projects", "1", "--max-in-flight", "1",
                           index=self.uni)
        for proc in (usual, small):
            self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("index stacks: 1 opened, 0 replaced", usual.stderr)
        self.assertRegex(small.stderr, r"index stacks: [2-8] opened, [1-7] replaced")
        self.assertIn("jobs in flight: at most 1", small.stderr)
        self.assertEqual(self.merged([usual.stdout]), self.merged([small.stdout]))
        # Twenty targets: twenty stacks, the idle ones let go past sixteen, every job resolved.
        jobs = [{"id": i, "requirements": ["app"], "python_version": f"3.11.{i}"} for i in range(20)] * 2
        many = self.batch(self.jobs_file(jobs, "targets.jsonl"), "-v", "--threads", "2", index=self.uni)
        self.assertEqual(many.returncode, 0, many.stderr)
        self.assertEqual(sorted(json.loads(l)["python_version"] for l in many.stdout.splitlines()),
                         sorted([f"3.11.{i}" for i in range(20)] * 2))
        self.assertRegex(many.stderr, r"index stacks: (2\d|3\d|40) opened, 0 replaced")

    def test_jobs_from_stdin_and_the_progress_line(self):
        jobs = "".join(json.dumps({"id": i, "requirements": ["app"]}) + "\n" for i in range(5))
        proc = self.batch("-", index=self.uni, stdin=jobs)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(sorted(json.loads(l)["id"] for l in proc.stdout.splitlines()), list(range(5)))
        path = self.jobs_file([{"id": i, "requirements": ["app"]} for i in range(5)])
        code, out, terminal = e2e.run_in_pty(
            [RESOLVE, "batch", path, "--index-url", e2e.file_url(self.uni), "--cache-dir", self.cache,
             *TARGET], self.env(), self.tmp)
        self.assertEqual(code, 0)
        self.assertEqual(len(out.splitlines()), 5)
        self.assertIn("Batch: ", terminal)
        self.assertIn("/5 jobs", terminal)
        self.assertIn("Ran 5 jobs in", terminal)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], *sys.argv[4:]], verbosity=2)
